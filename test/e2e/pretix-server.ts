// Starts a REAL pretix (the pinned PyPI release) on loopback for the end-to-end tests.
//
//   const pretix = await startRealPretix();   // install (cached) → cfg → migrate (cached) → fixture → runserver
//   …fetch(`${pretix.baseUrl}/api/v1/…`, { headers: { Authorization: `Token ${pretix.token}` } })…
//   await pretix.stop();
//
// Everything it keeps between runs lives in <repo>/.cache/ (git-ignored): the virtualenv (pretix-venv/), a migrated
// template database per pretix version (pretix-template-<version>.sqlite3) and the logs of the last run
// (pretix-logs/: install.log, migrate.log, fixture.log, server.log). Each run gets a fresh temp data dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The pretix release the e2e suite runs against (newest on PyPI when this was written). */
export const PRETIX_VERSION = '2026.8.0';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, '../..');
const PRETIX_DIR = join(HERE, 'pretix');
const CACHE_DIR = join(REPO_ROOT, '.cache');
const LOG_DIR = join(CACHE_DIR, 'pretix-logs');
const FIXTURE_PREFIX = 'E2E_FIXTURE_JSON=';
/** `python launch.py <cmd>` = `python -m pretix <cmd>`, but killed by the kernel if this Node process dies. */
const LAUNCH = join(PRETIX_DIR, 'launch.py');

export interface RealPretixIds {
  items: { conference: number; workshop: number };
  /** Variations of the conference item. */
  variations: { early: number; regular: number };
  quotas: { conference: number; workshop: number };
  /** Question ids by pretix question type: S text, C choice, M multiple choice, B yes/no, N number, D date. */
  questions: { S: number; C: number; M: number; B: number; N: number; D: number };
  questionIdentifiers: { S: string; C: string; M: string; B: string; N: string; D: string };
  /** Option ids: shirt* belong to question C, topic* to question M. */
  options: { shirtS: number; shirtM: number; shirtL: number; topicWeb: number; topicData: number; topicOps: number };
  optionIdentifiers: {
    shirtS: string;
    shirtM: string;
    shirtL: string;
    topicWeb: string;
    topicData: string;
    topicOps: string;
  };
  checkinList: number;
}

export interface RealPretixTimings {
  /** install.sh (≈0 when the venv already holds the pinned version). */
  installMs: number;
  /** `migrate`, or copying the cached template database. */
  migrateMs: number;
  migrateCached: boolean;
  fixtureMs: number;
  /** From spawning runserver until /api/v1/organizers/ answered. */
  startMs: number;
  totalMs: number;
}

export interface RealPretix {
  /** `http://127.0.0.1:<port>`, no trailing slash; also pretix's `[pretix] url`. */
  baseUrl: string;
  /** `${baseUrl}/api/v1` */
  apiUrl: string;
  organizer: string;
  event: string;
  /** Team API token with all event and organizer permissions: `Authorization: Token <token>`. */
  token: string;
  ids: RealPretixIds;
  /** pretix.__version__ as reported by the running installation. */
  version: string;
  port: number;
  pid: number;
  /** The temp data dir of this run (removed by stop() unless keepDataDir). */
  dataDir: string;
  /** Mails pretix "sent" are written here as files (django filebased backend); nothing leaves the machine. */
  mailDir: string;
  /** stdout+stderr of runserver (pretix logs every request and every webhook call here). */
  serverLog: string;
  timings: RealPretixTimings;
  /**
   * Runs a Python script in `python -m pretix shell` against this installation's database (same config as the
   * server) and returns its stdout. Wrap model access in `django_scopes.scopes_disabled()`. Costs ~5 s (Django start-up).
   * Logged to .cache/pretix-logs/shell.log.
   */
  shell(script: string): Promise<string>;
  /** Kills the whole runserver process group and removes the data dir. Idempotent. */
  stop(): Promise<void>;
}

export interface StartRealPretixOptions {
  /** pretix release to install; default PRETIX_VERSION. */
  version?: string;
  /** TCP port on 127.0.0.1; default: a free one. */
  port?: number;
  /**
   * `[django] debug`. Default: the environment variable PRETIX_E2E_DEBUG (on/off) if set, else pretix's own
   * fallback, which is ON under runserver.
   */
  debug?: boolean;
  /** Keep the temp data dir after stop() for debugging. */
  keepDataDir?: boolean;
  /** Give up waiting for runserver after this many ms (default 120 s). */
  startTimeoutMs?: number;
}

// ------------------------------------------------------------------------------------------------------------------
// process bookkeeping: whatever happens to the test process, no runserver may outlive it

const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}

// ------------------------------------------------------------------------------------------------------------------
// helpers

function venvDir(): string {
  return process.env.PRETIX_VENV ?? join(CACHE_DIR, 'pretix-venv');
}

/** The environment for every pretix child: no PRETIX_* leaking in from the caller (pretix reads them as config). */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('PRETIX_') || k === 'DJANGO_SETTINGS_MODULE' || k === 'DATA_DIR') continue;
    env[k] = v;
  }
  return { ...env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', ...extra };
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

interface RunResult {
  code: number | null;
  stdout: string;
  ms: number;
}

/** Runs a command to completion; stdout is captured, stdout+stderr are appended to logFile. */
function run(
  cmd: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd: string; logFile: string; stdinFile?: string },
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const log = createWriteStream(opts.logFile, { flags: 'a' });
    log.write(`\n$ ${cmd} ${args.join(' ')}\n`);
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: [opts.stdinFile ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
    });
    if (child.pid !== undefined) liveGroups.add(child.pid);
    let stdout = '';
    child.stdout?.on('data', (b: Buffer) => {
      stdout += b.toString('utf8');
      log.write(b);
    });
    child.stderr?.on('data', (b: Buffer) => log.write(b));
    if (opts.stdinFile && child.stdin) child.stdin.end(readFileSync(opts.stdinFile));
    child.on('error', (err) => {
      log.end();
      reject(err);
    });
    child.on('close', (code) => {
      if (child.pid !== undefined) liveGroups.delete(child.pid);
      log.end(() => resolvePromise({ code, stdout, ms: Date.now() - started }));
    });
  });
}

async function runOrThrow(what: string, ...a: Parameters<typeof run>): Promise<RunResult> {
  const r = await run(...a);
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}); log ${a[2].logFile}:\n${tail(a[2].logFile)}`);
  return r;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePromise(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Temp dirs of runs whose Node process died without stop() (e.g. SIGKILL): `pretix-e2e-<pid>-xxxxxx`. */
async function removeStaleWorkDirs(): Promise<void> {
  const entries = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of entries) {
    const m = /^pretix-e2e-(\d+)-/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) await rm(join(tmpdir(), name), { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------------------------------
// the steps

/** Runs test/e2e/pretix/install.sh (idempotent, fast when the venv holds `version`). Returns the venv's python. */
export async function installPretix(version = PRETIX_VERSION): Promise<{ python: string; ms: number }> {
  await mkdir(LOG_DIR, { recursive: true });
  const venv = venvDir();
  const logFile = join(LOG_DIR, 'install.log');
  await writeFile(logFile, '');
  const r = await runOrThrow('pretix install', 'bash', [join(PRETIX_DIR, 'install.sh')], {
    cwd: REPO_ROOT,
    env: { ...childEnv({}), PRETIX_VERSION: version, PRETIX_VENV: venv },
    logFile,
  });
  return { python: join(venv, 'bin', 'python'), ms: r.ms };
}

function renderConfig(vars: { url: string; dataDir: string; dbName: string; mailPort: number; debug?: boolean }) {
  let cfg = readFileSync(join(PRETIX_DIR, 'pretix.cfg.template'), 'utf8')
    .replaceAll('{{URL}}', vars.url)
    .replaceAll('{{DATADIR}}', vars.dataDir)
    .replaceAll('{{DBNAME}}', vars.dbName)
    .replaceAll('{{MAIL_PORT}}', String(vars.mailPort));
  if (vars.debug !== undefined) cfg += `\n[django]\ndebug=${vars.debug ? 'on' : 'off'}\n`;
  return cfg;
}

async function waitForApi(
  url: string,
  token: string,
  child: ChildProcess,
  timeoutMs: number,
  logFile: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`pretix runserver exited (${child.exitCode ?? child.signalCode}); log ${logFile}:\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${url}/api/v1/organizers/`, {
        headers: { Authorization: `Token ${token}` },
        signal: AbortSignal.timeout(5_000),
      });
      await res.arrayBuffer();
      if (res.status === 200) return;
      throw new Error(`GET /api/v1/organizers/ answered ${res.status}`);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('GET /api')) throw err;
      // connection refused: not up yet
    }
    if (Date.now() > deadline) {
      throw new Error(`pretix did not answer within ${timeoutMs} ms; log ${logFile}:\n${tail(logFile)}`);
    }
    await sleep(150);
  }
}

export async function startRealPretix(options: StartRealPretixOptions = {}): Promise<RealPretix> {
  const t0 = Date.now();
  const version = options.version ?? PRETIX_VERSION;
  const envDebug = process.env.PRETIX_E2E_DEBUG;
  const debug = options.debug ?? (envDebug === undefined || envDebug === '' ? undefined : /^(1|on|true|yes)$/i.test(envDebug));
  installExitHook();

  const { python, ms: installMs } = await installPretix(version);

  await removeStaleWorkDirs();
  const workDir = await mkdtemp(join(tmpdir(), `pretix-e2e-${process.pid}-`));
  const dataDir = join(workDir, 'data'); // pretix creates it (non-recursively: its parent must exist)
  const dbName = join(workDir, 'db.sqlite3');
  const port = options.port ?? (await freePort());
  const mailPort = await freePort(); // closed again at once: SMTP there would fail fast (backstop only)
  const baseUrl = `http://127.0.0.1:${port}`;
  const cfgFile = join(workDir, 'pretix.cfg');
  await writeFile(cfgFile, renderConfig({ url: baseUrl, dataDir, dbName, mailPort, debug }));
  const env = childEnv({
    PRETIX_CONFIG_FILE: cfgFile,
    DJANGO_SETTINGS_MODULE: 'e2e_settings',
    PYTHONPATH: PRETIX_DIR,
  });

  let server: ChildProcess | undefined;
  const cleanupOnError = async () => {
    if (server?.pid !== undefined) {
      killGroup(server.pid, 'SIGKILL');
      liveGroups.delete(server.pid);
    }
    if (!options.keepDataDir) await rm(workDir, { recursive: true, force: true });
  };

  try {
    // --- migrate, or copy the migrated template of this version ---------------------------------------------------
    const template = join(CACHE_DIR, `pretix-template-${version}.sqlite3`);
    const migrateLog = join(LOG_DIR, 'migrate.log');
    const tm = Date.now();
    let migrateCached = false;
    if (existsSync(template)) {
      await copyFile(template, dbName);
      migrateCached = true;
      await writeFile(migrateLog, `copied ${template}\n`);
    } else {
      await writeFile(migrateLog, '');
      await runOrThrow('pretix migrate', python, [LAUNCH, 'migrate', '--noinput'], {
        cwd: workDir,
        env,
        logFile: migrateLog,
      });
      const partial = `${template}.${process.pid}.tmp`;
      await copyFile(dbName, partial);
      await rename(partial, template);
    }
    const migrateMs = Date.now() - tm;

    // --- fixture ------------------------------------------------------------------------------------------------
    const fixtureLog = join(LOG_DIR, 'fixture.log');
    await writeFile(fixtureLog, '');
    const fx = await runOrThrow('fixture script', python, [LAUNCH, 'shell', '--no-imports'], {
      cwd: workDir,
      env,
      logFile: fixtureLog,
      stdinFile: join(PRETIX_DIR, 'setup_fixture.py'),
    });
    const line = fx.stdout.split('\n').find((l) => l.startsWith(FIXTURE_PREFIX));
    if (!line) throw new Error(`fixture script printed no ${FIXTURE_PREFIX} line; log ${fixtureLog}:\n${tail(fixtureLog)}`);
    const fixture = JSON.parse(line.slice(FIXTURE_PREFIX.length)) as RealPretixIds & {
      pretixVersion: string;
      organizer: string;
      event: string;
      token: string;
    };
    if (fixture.pretixVersion !== version) {
      throw new Error(`installed pretix is ${fixture.pretixVersion}, expected ${version}`);
    }

    // --- runserver ----------------------------------------------------------------------------------------------
    const serverLog = join(LOG_DIR, 'server.log');
    await writeFile(serverLog, `# ${new Date().toISOString()} runserver ${baseUrl} data=${dataDir}\n`);
    const ts = Date.now();
    const logStream = createWriteStream(serverLog, { flags: 'a' });
    server = spawn(python, [LAUNCH, 'runserver', `127.0.0.1:${port}`, '--noreload', '--skip-checks'], {
      cwd: workDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group, so stop() can kill everything it spawns
    });
    const proc = server;
    if (proc.pid === undefined) throw new Error('could not spawn pretix runserver');
    const pid = proc.pid;
    liveGroups.add(pid);
    proc.stdout?.pipe(logStream, { end: false });
    proc.stderr?.pipe(logStream, { end: false });
    const exited = new Promise<void>((r) => proc.once('close', () => r()));
    void exited.then(() => {
      liveGroups.delete(pid);
      logStream.end();
    });

    await waitForApi(baseUrl, fixture.token, proc, options.startTimeoutMs ?? 120_000, serverLog);
    const startMs = Date.now() - ts;

    let stopped = false;
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      if (proc.exitCode === null && proc.signalCode === null) {
        killGroup(pid, 'SIGTERM');
        const timedOut = await Promise.race([exited.then(() => false), sleep(5_000).then(() => true)]);
        if (timedOut) {
          killGroup(pid, 'SIGKILL');
          await exited;
        }
      }
      killGroup(pid, 'SIGKILL'); // any straggler left in the group
      liveGroups.delete(pid);
      if (!options.keepDataDir) await rm(workDir, { recursive: true, force: true });
    };

    const shellLog = join(LOG_DIR, 'shell.log');
    await writeFile(shellLog, '');
    let shellRuns = 0;
    const shell = async (script: string): Promise<string> => {
      if (stopped) throw new Error('pretix was stopped');
      const file = join(workDir, `shell-${++shellRuns}.py`);
      await writeFile(file, script);
      const r = await runOrThrow('pretix shell script', python, [LAUNCH, 'shell', '--no-imports'], {
        cwd: workDir,
        env,
        logFile: shellLog,
        stdinFile: file,
      });
      return r.stdout;
    };

    return {
      baseUrl,
      apiUrl: `${baseUrl}/api/v1`,
      organizer: fixture.organizer,
      event: fixture.event,
      token: fixture.token,
      ids: {
        items: fixture.items,
        variations: fixture.variations,
        quotas: fixture.quotas,
        questions: fixture.questions,
        questionIdentifiers: fixture.questionIdentifiers,
        options: fixture.options,
        optionIdentifiers: fixture.optionIdentifiers,
        checkinList: fixture.checkinList,
      },
      version: fixture.pretixVersion,
      port,
      pid,
      dataDir,
      mailDir: join(dataDir, 'mail'),
      serverLog,
      timings: { installMs, migrateMs, migrateCached, fixtureMs: fx.ms, startMs, totalMs: Date.now() - t0 },
      shell,
      stop,
    };
  } catch (err) {
    await cleanupOnError();
    throw err;
  }
}

/** Reads what the server logged so far (handy in assertion messages). */
export async function readServerLog(pretix: Pick<RealPretix, 'serverLog'>, lines = 60): Promise<string> {
  const text = await readFile(pretix.serverLog, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}
