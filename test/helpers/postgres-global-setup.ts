// vitest globalSetup: one PostgreSQL cluster for the whole run, handed to the test files through provide/inject.
// A cluster that cannot start is not an error here (the lowdb tests must still run); every PostgreSQL test then
// fails with the reason, unless SKIP_POSTGRES=1 says on purpose that they are skipped.
import type { TestProject } from 'vitest/node';
import { startPostgresCluster, type RunningCluster } from './postgres-cluster';

let cluster: RunningCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  if (process.env.SKIP_POSTGRES === '1') {
    project.provide('postgres', { ok: false, skipped: true, reason: 'SKIP_POSTGRES=1' });
    return;
  }
  try {
    cluster = await startPostgresCluster();
    project.provide('postgres', { ok: true, cluster: { adminUrl: cluster.adminUrl, host: cluster.host, port: cluster.port, socketDir: cluster.socketDir } });
  } catch (error) {
    project.provide('postgres', { ok: false, reason: (error as Error).message });
  }
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}
