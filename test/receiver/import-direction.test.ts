// The receiver's layering as a test: imports run http/cli → connections/sync → pretix/hubspot → store → domain/lib,
// and no module reaches itself through others. Reads the sources as text, so it also catches type-only imports.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..', 'receiver');

/** Lower numbers sit lower: a module may import from its own layer or below. */
const LAYERS: Record<string, number> = { domain: 0, lib: 0, store: 1, pretix: 2, hubspot: 2, sync: 3, connections: 3, http: 4, cli: 4 };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

function importGraph(): Map<string, string[]> {
  const files = sources(ROOT);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const match of text.matchAll(/(?:import|export)[^;]*?from '(\.[^']+)'/g)) {
      const base = normalize(join(dirname(file), match[1]!));
      const target = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => known.has(candidate));
      if (target) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

const folderOf = (file: string) => relative(ROOT, file).split('/').slice(0, -1)[0] ?? '';

describe('receiver import direction', () => {
  const graph = importGraph();

  it('finds the modules it checks', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect([...graph.values()].flat().length).toBeGreaterThan(100);
  });

  it('never imports from a higher layer', () => {
    const upward: string[] = [];
    for (const [from, targets] of graph) {
      for (const to of targets) {
        const a = LAYERS[folderOf(from)];
        const b = LAYERS[folderOf(to)];
        if (a !== undefined && b !== undefined && b > a) upward.push(`${relative(ROOT, from)} → ${relative(ROOT, to)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'open');
      stack.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].map((f) => relative(ROOT, f)).join(' → '));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
