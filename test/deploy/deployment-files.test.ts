// The Dockerfile and compose.yaml, checked without Docker (this machine has none, so the images are not built
// here): compose.yaml's services, environment and health checks as Compose reads them (anchors merged), the
// Dockerfile's stages, user and command, and what the image does: production dependencies only, then `npm start`'s
// command answering /healthz, in a copy of exactly the files the Dockerfile copies.
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { cp, readFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port';
import { REPO_ROOT } from '../helpers/receiver-process';
import { tempDir } from '../helpers/temp-dir';
import { waitFor } from '../helpers/wait-for';

const run = promisify(execFile);

interface ComposeService {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  volumes?: string[];
}

async function compose(): Promise<{ services: Record<string, ComposeService> }> {
  return yaml.load(await readFile(join(REPO_ROOT, 'compose.yaml'), 'utf8')) as { services: Record<string, ComposeService> };
}

function dockerfile(text: string) {
  const lines = text.split('\n').filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  // Continuation lines belong to their instruction.
  const instructions: string[] = [];
  for (const line of lines) {
    if (instructions.length > 0 && instructions.at(-1)!.endsWith('\\')) instructions[instructions.length - 1] = `${instructions.at(-1)!.slice(0, -1)} ${line.trim()}`;
    else instructions.push(line.trim());
  }
  return instructions;
}

describe('compose.yaml', () => {
  it('runs PostgreSQL and two identical receivers on it behind a round-robin proxy, each with a health check', async () => {
    const { services } = await compose();
    expect(Object.keys(services).sort()).toEqual(['postgres', 'proxy', 'receiver-1', 'receiver-2']);
    expect(services.postgres!.image).toMatch(/^postgres:15/);
    expect(services.postgres!.healthcheck!.test.join(' ')).toContain('pg_isready');
    for (const name of ['receiver-1', 'receiver-2']) {
      const receiver = services[name]!;
      expect(receiver.build).toBe('.');
      const env = receiver.environment!;
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/pretix_hubspot:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres:5432\/pretix_hubspot$/);
      // One key for all instances: each must open the tokens the others sealed.
      expect(env.SECRET_KEY).toMatch(/^\$\{SECRET_KEY:\?/);
      expect(env.PUBLIC_URL).toMatch(/^\$\{PUBLIC_URL:\?/);
      expect(env).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0', PORT: '3000' });
      expect(receiver.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
      expect(receiver.healthcheck!.test.join(' ')).toContain('http://127.0.0.1:3000/healthz');
    }
    expect(services['receiver-1']!.environment).toEqual(services['receiver-2']!.environment);
    const proxy = services.proxy!;
    expect(proxy.depends_on).toEqual({ 'receiver-1': { condition: 'service_healthy' }, 'receiver-2': { condition: 'service_healthy' } });
    const caddyMount = proxy.volumes!.find((volume) => volume.endsWith(':/etc/caddy/Caddyfile:ro'))!;
    const caddyfile = await readFile(join(REPO_ROOT, caddyMount.split(':')[0]!), 'utf8');
    expect(caddyfile).toMatch(/reverse_proxy receiver-1:3000 receiver-2:3000/);
    expect(caddyfile).toMatch(/lb_policy round_robin/);
    expect(caddyfile).toMatch(/health_uri \/healthz/);
    expect(caddyfile).toContain(`:${proxy.ports![0]!.split(':').at(-1)}`);
  });
});

describe('Dockerfile', () => {
  it('builds on Node 20 slim, installs production dependencies only, runs as a non-root user, and starts what npm start starts', async () => {
    const instructions = dockerfile(await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
    const froms = instructions.filter((i) => i.startsWith('FROM '));
    expect(froms.length).toBeGreaterThanOrEqual(1);
    for (const from of froms) expect(from).toMatch(/^FROM node:20-[a-z]+-slim\b/);
    expect(instructions.some((i) => /^RUN npm ci .*--omit=dev/.test(i))).toBe(true);
    const finalStage = instructions.slice(instructions.lastIndexOf(froms.at(-1)!));
    const user = finalStage.filter((i) => i.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/USER (root|0)\b/);
    expect(finalStage.indexOf(user!)).toBeLessThan(finalStage.findIndex((i) => i.startsWith('CMD ')));
    // Every file the build context must provide exists, and .dockerignore does not hide it.
    const ignored = (await readFile(join(REPO_ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const copy of instructions.filter((i) => i.startsWith('COPY ') && !i.includes('--from='))) {
      const sources = copy.split(/\s+/).slice(1, -1);
      for (const source of sources) {
        expect(existsSync(join(REPO_ROOT, source)), `${source} exists`).toBe(true);
        expect(ignored, `${source} is not in .dockerignore`).not.toContain(source);
      }
    }
    const cmd = JSON.parse(finalStage.find((i) => i.startsWith('CMD '))!.slice(4)) as string[];
    const startScript = (JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(`exec ${cmd.join(' ')}`).toBe(startScript);
    expect(instructions.some((i) => i.startsWith('HEALTHCHECK ') && i.includes('/healthz'))).toBe(true);
  });

  it('what the image holds starts with production dependencies only and answers /healthz', async () => {
    const dir = await tempDir();
    try {
      // Exactly what the Dockerfile copies.
      for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'bin', 'receiver']) await cp(join(REPO_ROOT, entry), join(dir.path, entry), { recursive: true });
      await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--workspaces=false', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir.path, timeout: 120_000 });
      const installed = readdirSync(join(dir.path, 'node_modules'));
      expect(installed).toContain('tsx');
      expect(installed).toContain('pg');
      for (const dev of ['vitest', 'typescript', 'eslint', 'react', 'autocannon']) expect(installed).not.toContain(dev);
      const port = await freePort();
      const child = spawn('npm', ['start', '--silent'], {
        cwd: dir.path,
        env: { PATH: process.env.PATH, HOME: dir.path, PORT: String(port), HOST: '127.0.0.1', DATA_FILE: join(dir.path, 'data', 'state.json'), LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      try {
        const health = await waitFor(async () => {
          if (child.exitCode !== null) throw new Error(`exited: ${output}`);
          const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
          return response?.ok ? ((await response.json()) as { status: string }) : null;
        }, 'the production copy answers /healthz', 30_000, 100);
        expect(health.status).toBe('ok');
      } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    } finally {
      await dir.remove();
    }
  }, 180_000);
});
