// Compares the *shape* of two JSON values (keys and JSON types, not values): used to list where real pretix
// differs from the hand-written fixtures in ../shared/fixtures/pretix/.

export type JsonKind = 'null' | 'string' | 'number' | 'boolean' | 'array' | 'object';

export function kindOf(v: unknown): JsonKind {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean') return t;
  return 'object';
}

export interface ShapeDiff {
  path: string;
  /** `missing-in-real`: the fixture has the key, pretix does not; `extra-in-real`: the other way round. */
  kind: 'missing-in-real' | 'extra-in-real' | 'type';
  fixture?: JsonKind;
  real?: JsonKind;
}

/**
 * Walks both values. Arrays are compared element 0 against element 0 (when both have one).
 * A `null` on one side and a value on the other is reported as a type difference (nullability matters to zod).
 */
export function diffShape(fixture: unknown, real: unknown, path = '$'): ShapeDiff[] {
  const out: ShapeDiff[] = [];
  const kf = kindOf(fixture);
  const kr = kindOf(real);
  if (kf !== kr) {
    out.push({ path, kind: 'type', fixture: kf, real: kr });
    return out;
  }
  if (kf === 'array') {
    const a = fixture as unknown[];
    const b = real as unknown[];
    if (a.length > 0 && b.length > 0) out.push(...diffShape(a[0], b[0], `${path}[]`));
    return out;
  }
  if (kf === 'object') {
    const a = fixture as Record<string, unknown>;
    const b = real as Record<string, unknown>;
    for (const k of Object.keys(a)) {
      if (!(k in b)) out.push({ path: `${path}.${k}`, kind: 'missing-in-real', fixture: kindOf(a[k]) });
      else out.push(...diffShape(a[k], b[k], `${path}.${k}`));
    }
    for (const k of Object.keys(b)) {
      if (!(k in a)) out.push({ path: `${path}.${k}`, kind: 'extra-in-real', real: kindOf(b[k]) });
    }
  }
  return out;
}

export function formatDiffs(title: string, diffs: ShapeDiff[]): string[] {
  if (diffs.length === 0) return [`${title}: same shape`];
  return [
    `${title}:`,
    ...diffs.map((d) =>
      d.kind === 'type'
        ? `  ${d.path}: fixture ${d.fixture}, real ${d.real}`
        : d.kind === 'missing-in-real'
          ? `  ${d.path}: only in fixture (${d.fixture})`
          : `  ${d.path}: only in real pretix (${d.real})`,
    ),
  ];
}
