// What saving backfill progress once a page costs: a 10,000-order backfill has 200 pages of 50 and saves its
// progress after each. Timed in this process on a real store in a temp dir, against a state file holding a queue
// backlog (saves during a webhook burst are the expensive case for a full checkpoint), and compared with a full
// checkpoint per page (how progress was saved before) and with the time the backfill itself takes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLowdbStore } from '../receiver/store/lowdb-store';
import type { BackfillState, EventConfig, JobTrigger } from '../receiver/store/types';

export interface ProgressSaveResult {
  pages: number;
  backlogJobs: number;
  /** Sequential, so an upper bound on what the saves add to a backfill (they overlap with its batches). */
  journalSeconds: number;
  checkpointSeconds: number;
}

export async function runProgressSaveBenchmark(pages = 200, backlogJobs = 5_000): Promise<ProgressSaveResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-progress-'));
  const store = await openLowdbStore(join(dir, 'state.json'));
  try {
    const connectionId = 'c1';
    await store.saveConnection({
      id: connectionId,
      portalId: '31337',
      baseUrl: 'https://pretix.example',
      organizer: 'acmecorp',
      apiTokenSealed: 'sealed',
      webhookTokenFingerprint: 'fp',
      webhookTokenSealed: 'sealed',
      createdAt: new Date().toISOString(),
    });
    const config: EventConfig = { connectionId, event: 'democon', enabled: true, mappings: [], webhookId: null, updatedAt: new Date().toISOString() };
    await store.saveEventConfig(config);
    const triggers: JobTrigger[] = Array.from({ length: backlogJobs }, (_, i) => ({
      portalId: '31337',
      connectionId,
      event: 'democon',
      code: `B${String(i).padStart(6, '0')}`,
      action: 'pretix.event.order.placed',
    }));
    await store.enqueue(triggers, Date.now());

    const state = (page: number): BackfillState => ({
      connectionId,
      event: 'democon',
      state: 'running',
      mappingIds: null,
      nextPage: page,
      total: pages * 50,
      processed: (page - 1) * 50,
      synced: (page - 1) * 50,
      skipped: 0,
      failed: 0,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      error: null,
    });

    let started = performance.now();
    for (let page = 2; page <= pages + 1; page += 1) await store.saveBackfill(state(page));
    const journalSeconds = (performance.now() - started) / 1000;

    // A full checkpoint per page: what saveBackfill cost when it rewrote the state file.
    started = performance.now();
    for (let page = 0; page < pages; page += 1) await store.saveEventConfig({ ...config, updatedAt: new Date().toISOString() });
    const checkpointSeconds = (performance.now() - started) / 1000;
    return { pages, backlogJobs, journalSeconds, checkpointSeconds };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}
