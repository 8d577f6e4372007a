// A check-in storm: 500 check-ins spread over 60 s at an event with "Marketing event in HubSpot" on, against the
// loopback fakes at the real limits (pretix 360/min, HubSpot 110/10 s), the usual two mappings. Each check-in is
// written in the fake pretix and its `pretix.event.checkin` webhook delivered, as pretix's check-in API does; the
// lag is from the check-in to the moment the fake HubSpot holds that person as attended at the check-in's time.
import { ORDER_ACTIONS } from '../receiver/cli/commands';
import { buyerAndDealMappings } from '../test/helpers/mappings';
import { startSingleReceiverStack } from './single-receiver-stack';
import { percentile } from './percentile';

export interface CheckinsResult {
  checkins: number;
  seconds: number;
  hubspotRequests: number;
  hubspotRequestsPerCheckin: number;
  pretixRequestsPerCheckin: number;
  lagP50: number;
  lagP95: number;
  lagMax: number;
  hubspot429: number;
  hubspotMaxInWindow: number;
}

const PORTAL = '778';
const TOKEN = 'q'.repeat(64);
const LIST = 44;

export async function runCheckinsBenchmark(checkins = 500, spreadMs = 60_000): Promise<CheckinsResult> {
  const stack = await startSingleReceiverStack({ portalId: PORTAL, pretixToken: TOKEN, secretKey: 'cccccccccccccccccccccccccccccccccccccccc', tempPrefix: 'bench-checkins-' });
  const { pretix, hubspot, config, url, admin, connection } = stack;
  try {
    const path = `/connections/${connection.id}/events/democon`;
    await admin.put(`${path}/mappings?enable=true`, buyerAndDealMappings());
    await admin.put(`${path}/marketing-event`, { enabled: true });
    // Paid single-ticket orders, registered by a backfill first (not measured).
    const codes = pretix.generateOrders('acmecorp', 'democon', checkins, { startDate: new Date(Date.now() - 3_600_000), spacingMs: 1000, status: 'p', secondPositionRate: 0 });
    await admin.post(`${path}/backfill`);
    for (;;) {
      const { backfill } = await admin.get<{ backfill: { state: string } }>(`${path}/backfill`);
      if (backfill.state !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const webhookUrl = connection.webhookUrl.replace(config.publicUrl, url);
    pretix.addWebhook('acmecorp', { target_url: webhookUrl, all_events: true, limit_events: [], action_types: ORDER_ACTIONS });
    const objectId = hubspot.marketingEvents(PORTAL)[0]!.objectId;
    // Backfill leftovers (the budget it used) must not count: wait for HubSpot's window to be empty.
    await new Promise((resolve) => setTimeout(resolve, 10_500));
    pretix.resetStats();
    hubspot.resetTraffic();

    const checkedInAt = new Map<string, number>();
    const seenAt = new Map<string, number>();
    const emails = new Map<string, string>();
    for (const code of codes) {
      const order = pretix.getOrder('acmecorp', 'democon', code)!;
      const position = (order.positions as { attendee_email: string | null }[])[0]!;
      emails.set((position.attendee_email || (order.email as string)).toLowerCase(), code);
    }
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const p of hubspot.participations(PORTAL, objectId)) {
          const code = emails.get(p.email);
          if (code && p.state === 'ATTENDED' && !seenAt.has(code)) seenAt.set(code, performance.now());
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const started = performance.now();
    for (let i = 0; i < codes.length; i++) {
      const due = started + (i * spreadMs) / codes.length;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const code = codes[i]!;
      const order = pretix.getOrder('acmecorp', 'democon', code)!;
      const positionId = (order.positions as { id: number }[])[0]!.id;
      checkedInAt.set(code, performance.now());
      // Not awaited: pretix's check-in answer does not wait for the webhook either.
      void pretix.checkIn('acmecorp', 'democon', code, positionId, LIST, new Date().toISOString());
    }
    while (seenAt.size < codes.length) {
      if (performance.now() - started > spreadMs + 120_000) throw new Error(`only ${seenAt.size} of ${codes.length} check-ins reached HubSpot`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    watching = false;
    await watcher;
    const seconds = (performance.now() - started) / 1000;
    const lags = Float64Array.from(codes.map((code) => (seenAt.get(code)! - checkedInAt.get(code)!) / 1000)).sort();
    const hubspotRequests = hubspot.requestCount({ portalId: PORTAL });
    return {
      checkins: codes.length,
      seconds,
      hubspotRequests,
      hubspotRequestsPerCheckin: hubspotRequests / codes.length,
      pretixRequestsPerCheckin: pretix.stats('acmecorp').total / codes.length,
      lagP50: percentile(lags, 50),
      lagP95: percentile(lags, 95),
      lagMax: lags[lags.length - 1]!,
      hubspot429: hubspot.rateLimitedCount(PORTAL),
      hubspotMaxInWindow: hubspot.maxRequestsInAnyWindow(PORTAL),
    };
  } finally {
    await stack.stop();
  }
}
