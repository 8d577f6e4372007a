// "Sync now" from the card during a 10,000-order backfill at the real limits (360/min pretix, 110/10 s HubSpot):
// once the backfill has filled its share of the HubSpot window, a person opens the contact card of the order the
// backfill would reach last and clicks "Sync now". Figures: how long the card and the click took to answer, how long
// until the order was in HubSpot (the fake HubSpot's creation timestamp of its deal), and the backfill's efficiency
// over the same run (bench/backfill.ts), which the interactive reserve must not push below 0.9.
import { apiClient, CLIENT_ID, CLIENT_SECRET } from '../test/api/signed-client';
import type { ContactOrdersResponse, SyncOrderResponse } from '../src/app/shared/api-types';
import type { BackfillProgressView } from '../receiver/sync/backfill';
import { REAL_LIMITS, runBackfillBenchmark, type BackfillResult, type BackfillRig } from './backfill';

export interface SyncNowDuringBackfillResult {
  backfill: BackfillResult;
  /** Seconds after the backfill's start when the person clicked. */
  clickedAfterSeconds: number;
  cardAnswerSeconds: number;
  syncNowAnswerSeconds: number;
  /** Click → the order's deal created in the fake HubSpot. */
  syncedSeconds: number;
  /** The backfill was still running when the deal existed (so the backfill did not sync it). */
  backfillStillRunning: boolean;
}

export async function runSyncNowDuringBackfillBenchmark(orders = 10_000, clickAfterMs = 12_000): Promise<SyncNowDuringBackfillResult> {
  let figures: Omit<SyncNowDuringBackfillResult, 'backfill'> | null = null;
  const duringBackfill = async (rig: BackfillRig) => {
    const started = performance.now();
    // Past the first HubSpot window: the backfill is then waiting on the budget, not starting up.
    await new Promise((resolve) => setTimeout(resolve, clickAfterMs));
    const api = apiClient(rig.url, rig.url, rig.portalId);
    const code = rig.codes[rig.codes.length - 1]!;
    const email = String(rig.pretix.getOrder('acmecorp', 'democon', code)!.email);
    const clickedAt = Date.now();
    const clickedPerf = performance.now();
    const timed = async <T>(call: Promise<T>) => {
      const answer = await call;
      return { answer, seconds: (performance.now() - clickedPerf) / 1000 };
    };
    const [card, syncNow] = await Promise.all([
      timed(api.get<ContactOrdersResponse>('/api/v1/contacts/1/orders', { email })),
      timed(api.send<SyncOrderResponse>('POST', '/api/v1/orders/sync', { connectionId: rig.connectionId, event: 'democon', code })),
    ]);
    if (card.answer.status !== 200 || !card.answer.body.orders.some((o) => o.code === code)) throw new Error(`card answered ${card.answer.status}: ${card.answer.text.slice(0, 200)}`);
    if (syncNow.answer.status !== 202) throw new Error(`Sync now answered ${syncNow.answer.status}: ${syncNow.answer.text}`);
    let createdAt: number | null = null;
    while (createdAt === null) {
      const deal = rig.hubspot.findByProperty(rig.portalId, 'deals', 'pretix_order_id', code);
      if (deal) createdAt = Date.parse(deal.createdAt);
      else if (performance.now() - clickedPerf > 60_000) throw new Error(`order ${code} not in HubSpot 60 s after Sync now`);
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const progress = (await rig.admin.get<{ backfill: BackfillProgressView }>(`/connections/${rig.connectionId}/events/democon/backfill`)).backfill;
    figures = {
      clickedAfterSeconds: (clickedPerf - started) / 1000,
      cardAnswerSeconds: card.seconds,
      syncNowAnswerSeconds: syncNow.seconds,
      syncedSeconds: (createdAt - clickedAt) / 1000,
      backfillStillRunning: progress.state === 'running',
    };
  };
  const backfill = await runBackfillBenchmark(orders, REAL_LIMITS, false, {
    env: { HUBSPOT_CLIENT_ID: CLIENT_ID, HUBSPOT_CLIENT_SECRET: CLIENT_SECRET, HUBSPOT_APP_URL: 'https://app-eu1.hubspot.com' },
    duringBackfill,
  });
  if (!figures) throw new Error('Sync now did not run');
  return { backfill, ...(figures as Omit<SyncNowDuringBackfillResult, 'backfill'>) };
}
