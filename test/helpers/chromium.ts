// Debian's Chromium for the browser tests, installed by the test setup itself when missing: no browser build can be
// downloaded on these machines (playwright's own installer would fail), but Debian's packages can. CI runs as root
// on a fresh machine; when Chromium is already there this costs one stat().
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext } from 'playwright-core';

const run = promisify(execFile);

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** How long the last ensureChromium() took to install it (null: it was already there). */
export let chromiumInstallMs: number | null = null;

let installing: Promise<void> | null = null;

export function ensureChromium(): Promise<void> {
  if (existsSync(CHROMIUM_PATH)) return Promise.resolve();
  installing ??= (async () => {
    if (process.getuid?.() !== 0) {
      throw new Error(`${CHROMIUM_PATH} is missing; install it with: sudo apt-get update && sudo apt-get install -y chromium`);
    }
    const started = Date.now();
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const options = { env, maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 };
    await run('apt-get', ['update'], options);
    await run('apt-get', ['install', '-y', 'chromium'], options);
    chromiumInstallMs = Date.now() - started;
    process.stderr.write(`chromium installed with apt-get in ${(chromiumInstallMs / 1000).toFixed(1)} s\n`);
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed chromium, but ${CHROMIUM_PATH} is still missing`);
  })();
  return installing;
}

export interface TestBrowser {
  /** A persistent context on the fresh profile (playwright takes --user-data-dir only this way). */
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, no background traffic and no sandbox (CI runs as root). */
export async function launchChromium(): Promise<TestBrowser> {
  await ensureChromium();
  const profile = await mkdtemp(join(tmpdir(), 'pretix-hubspot-chromium-'));
  // launchPersistentContext(profile) is how playwright passes `--user-data-dir=<profile>` to Chromium.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1100, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
