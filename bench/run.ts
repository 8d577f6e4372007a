// `npm run bench`: every benchmark, one run, figures as ratios against a baseline measured in the same run.
// Not a test: it prints numbers for the README and exits 0 unless something broke.
import { runAcceptanceBenchmark } from './acceptance';
import { REAL_LIMITS, runBackfillBenchmark } from './backfill';
import { runBurstBenchmark } from './burst';
import { runCardBenchmark } from './card';
import { runCheckinsBenchmark } from './checkins';
import { runSyncNowDuringBackfillBenchmark, type SyncNowDuringBackfillResult } from './sync-now-during-backfill';
import { runProgressSaveBenchmark } from './progress-saves';
import { runTrafficBenchmark, trafficTable, type ExtraTrafficRow } from './traffic';
import { runScaleBenchmark, runSharedBudgetBackfill, stopBenchCluster } from './scale';
import { runScaleTrafficBenchmark } from './scale-traffic';
import { medianInterval } from './median-interval';

const only = process.argv[2];

/** The traffic table's row for "Sync now" during a backfill: lag is the click's answer and sync, efficiency beside. */
function syncNowRow(s: SyncNowDuringBackfillResult): ExtraTrafficRow {
  const answered = Math.max(s.cardAnswerSeconds, s.syncNowAnswerSeconds);
  return {
    name: '"Sync now" from the card during a 10,000-order backfill',
    cells: {
      lag: `answered ${answered.toFixed(2)} s, synced ${s.syncedSeconds.toFixed(2)} s; backfill efficiency ${(s.backfill.efficiency ?? 0).toFixed(2)}${s.backfillStillRunning ? '' : ' (backfill had finished: no proof)'}`,
      throttled: `${s.backfill.hubspot429} / ${s.backfill.pretix429}`,
    },
  };
}
const fmt = (n: number, digits = 2) => n.toFixed(digits);

if (!only || only === 'acceptance') {
  const a = await runAcceptanceBenchmark();
  console.log('\n## Webhook acceptance (autocannon, 32 connections, 2 × 5 s each, alternating)');
  console.log(`bare Fastify route:     ${fmt(a.bare.rps, 0)} req/s, p99 ${fmt(a.bare.p99, 2)} ms (autocannon's whole-ms histogram: ${fmt(a.bare.p99WholeMs, 1)})`);
  console.log(`POST /webhooks/pretix:  ${fmt(a.webhook.rps, 0)} req/s, p99 ${fmt(a.webhook.p99, 2)} ms (autocannon's whole-ms histogram: ${fmt(a.webhook.p99WholeMs, 1)}); each answer after an fsync'd journal append`);
  console.log(`throughput ratio ${fmt(a.throughputRatio)} (goal ≥ 0.25), p99 ratio bare/webhook ${fmt(a.p99Ratio)} (goal ≥ 0.25)`);
}

if (only === 'checkins') {
  const c = await runCheckinsBenchmark(500, 60_000);
  console.log('\n## 500 check-ins in 60 s, marketing event on, two mappings, limits 360/min (pretix) and 110/10 s (HubSpot)');
  console.log(`HubSpot requests ${c.hubspotRequests}: ${fmt(c.hubspotRequestsPerCheckin, 3)} per check-in (goal ≤ 0.1); pretix ${fmt(c.pretixRequestsPerCheckin, 3)} per check-in`);
  console.log(`lag check-in → attended in HubSpot: p50 ${fmt(c.lagP50)} s, p95 ${fmt(c.lagP95)} s (goal ≤ 3 s), max ${fmt(c.lagMax)} s; all in after ${fmt(c.seconds, 1)} s`);
  console.log(`429s: HubSpot ${c.hubspot429}; most HubSpot requests in any 10 s: ${c.hubspotMaxInWindow}/110`);
}

if (!only || only === 'burst') {
  const b = await runBurstBenchmark(1000);
  console.log('\n## Burst of 1,000 order webhooks, two mappings, limits 360/min (pretix) and 110/10 s (HubSpot)');
  console.log(`all synced after ${fmt(b.seconds, 1)} s (goal ≤ 30 s)`);
  console.log(`HubSpot requests per order ${fmt(b.hubspotRequestsPerOrder, 3)} (goal ≤ 0.06), pretix requests per order ${fmt(b.pretixRequestsPerOrder, 3)} (goal ≤ 0.05)`);
  console.log(`429s: HubSpot ${b.hubspot429}, pretix ${b.pretix429}; most requests in any window: HubSpot ${b.hubspotMaxInWindow}/110, pretix ${b.pretixMaxInWindow}/360`);
}

let limitedSeconds: number | null = null;
if (!only || only === 'backfill') {
  const limited = await runBackfillBenchmark(10_000, REAL_LIMITS, true);
  limitedSeconds = limited.seconds;
  console.log('\n## Backfill of 10,000 orders, two mappings, limits 360/min (pretix) and 110/10 s (HubSpot); receiver in its own process');
  console.log(`${fmt(limited.seconds, 1)} s; theoretical minimum for the ${limited.hubspotRequests} HubSpot and ${limited.pretixRequests} pretix requests made: ${fmt(limited.theoreticalSeconds ?? 0, 1)} s → efficiency ${fmt(limited.efficiency ?? 0)} (goal ≥ 0.9)`);
  console.log(`HubSpot requests per order ${fmt(limited.hubspotRequests / limited.orders, 3)}, pretix ${fmt(limited.pretixRequests / limited.orders, 3)}; 429s: HubSpot ${limited.hubspot429}, pretix ${limited.pretix429}`);
  console.log(`peak RSS ${fmt(limited.peakRssMb, 0)} MB (goal ≤ 200 MB)`);
  if (limited.sweep) {
    console.log(`reconcile sweep over the 10,000 unchanged orders: ${limited.sweep.requests} pretix request(s), ${fmt(limited.sweep.seconds, 3)} s, ${limited.sweep.found} found, ${limited.sweep.enqueued} queued`);
  }
  const lifted = await runBackfillBenchmark(100_000, null);
  console.log('\n## Backfill of 100,000 orders, limits lifted');
  console.log(`${fmt(lifted.seconds, 1)} s → ${fmt(lifted.orders / lifted.seconds, 0)} orders/s; peak RSS ${fmt(lifted.peakRssMb, 0)} MB = ${fmt(lifted.peakRssMb / limited.peakRssMb)} × the 10,000-order run (goal ≤ 1.5)`);
}

if (!only || only === 'backfill' || only === 'progress') {
  // Compared with the fastest 10,000-order backfill (limits lifted): under the real limits it takes longer still.
  const backfill = await runBackfillBenchmark(10_000, null);
  const saves = await runProgressSaveBenchmark(200, 5_000);
  const share = (seconds: number) => `${fmt((100 * seconds) / backfill.seconds, 1)} %`;
  console.log(`\n## Progress saves of a 10,000-order backfill (${saves.pages} pages), state file with ${saves.backlogJobs} queued jobs`);
  console.log(`journal line per page: ${fmt(saves.journalSeconds * 1000, 0)} ms in all (${fmt((saves.journalSeconds * 1000) / saves.pages, 2)} ms each) = ${share(saves.journalSeconds)} of the ${fmt(backfill.seconds, 1)} s backfill with limits lifted (goal < 5 %)`);
  console.log(`full checkpoint per page (before): ${fmt(saves.checkpointSeconds * 1000, 0)} ms in all (${fmt((saves.checkpointSeconds * 1000) / saves.pages, 2)} ms each) = ${share(saves.checkpointSeconds)}`);
  if (limitedSeconds !== null) {
    console.log(`against the ${fmt(limitedSeconds, 1)} s backfill under the real limits: ${fmt((100 * saves.journalSeconds) / limitedSeconds, 1)} % (journal), ${fmt((100 * saves.checkpointSeconds) / limitedSeconds, 1)} % (checkpoints)`);
  }
}

if (!only || only === 'traffic') {
  const results = await runTrafficBenchmark();
  // Rows other traffic benchmarks contribute go here.
  const extraRows: ExtraTrafficRow[] = [syncNowRow(await runSyncNowDuringBackfillBenchmark())];
  console.log('\n## Traffic as pretix delivers it, two mappings, limits 360/min (pretix) and 110/10 s (HubSpot); one run per row');
  console.log('Goals: 1 lane ≤ 0.06 / ≤ 0.05 per order, all synced ≤ 30 s; 4 and 16 lanes ≤ 0.05 / ≤ 0.04, ≤ 15 s; steady stream ≤ 0.25 / ≤ 0.15, lag p95 ≤ 2 s, peak ≤ 55 per 10 s; single order ≤ 1.5 s; no 429s');
  console.log(trafficTable(results, extraRows));
}

// Also a row of the traffic table; on its own with its detail.
if (only === 'sync-now') {
  const s = await runSyncNowDuringBackfillBenchmark();
  console.log('\n## "Sync now" from the card during a 10,000-order backfill, limits 360/min (pretix) and 110/10 s (HubSpot)');
  console.log(`clicked ${fmt(s.clickedAfterSeconds, 1)} s into the backfill: card answered after ${fmt(s.cardAnswerSeconds, 2)} s, Sync now after ${fmt(s.syncNowAnswerSeconds, 2)} s, order in HubSpot after ${fmt(s.syncedSeconds, 2)} s (goal ≤ 3 s)${s.backfillStillRunning ? '' : ' — the backfill had already finished, so this proves nothing'}`);
  console.log(`backfill ${fmt(s.backfill.seconds, 1)} s, theoretical minimum ${fmt(s.backfill.theoreticalSeconds ?? 0, 1)} s for ${s.backfill.hubspotRequests} HubSpot and ${s.backfill.pretixRequests} pretix requests → efficiency ${fmt(s.backfill.efficiency ?? 0)} (goal ≥ 0.9); 429s: HubSpot ${s.backfill.hubspot429}, pretix ${s.backfill.pretix429}`);
}

if (!only || only === 'card') {
  const c = await runCardBenchmark();
  console.log(`\n## Contact card: ${c.events} enabled events, a contact with ${c.ordersShown} orders in 30 of them under 2 emails, pretix limit 360/min`);
  console.log(`cold load (event data not cached): ${fmt(c.coldMs, 0)} ms, ${c.coldPretixRequests} pretix requests`);
  console.log(`${c.loads} loads after warm-up: p50 ${fmt(c.p50, 1)} ms, p95 ${fmt(c.p95, 1)} ms (goal ≤ 300 ms), max ${fmt(c.max, 1)} ms`);
  console.log(`pretix requests per load ${fmt(c.pretixRequestsPerLoad, 2)} (goal ≤ 2 for the search); 429s: ${c.pretix429}`);
}

// Its own entry too: each pattern twice, on fresh instances.
if (only === 'scale-traffic') {
  console.log('\n## The traffic table\'s shapes through the proxy to 1 and 3 receivers on one PostgreSQL, real limits, the same two mappings');
  console.log(trafficTable(await runScaleTrafficBenchmark()));
}

// Its own entry: two backfills at the real limits take minutes, more than `scale` should.
if (only === 'scale-budget') {
  console.log('\n## Backfills on 1 and 3 receivers sharing one rate budget in PostgreSQL, limits 360/min (pretix) and 110/10 s (HubSpot)');
  // 10,000 orders in all, then 10,000 per instance: the interactive reserve costs at most one 9 s stretch per run
  // (bench/reserve-bound.ts), which weighs on a 30 s run and hardly on a longer one.
  for (const [instances, orders] of [[1, 10_000], [3, 10_000], [3, 30_000]] as const) {
    const r = await runSharedBudgetBackfill(instances, orders);
    console.log(
      `${instances} instance(s), ${r.orders} orders: ${fmt(r.seconds, 1)} s for ${r.hubspotRequests} HubSpot + ${r.pretixRequests} pretix requests, theoretical minimum ${fmt(r.theoreticalSeconds, 1)} s → efficiency ${fmt(r.efficiency)} (goal ≥ 0.9); least time the interactive reserve allows ${fmt(r.reserveBoundSeconds, 1)} s → ${fmt(r.reserveBoundEfficiency)} of it; busiest window HubSpot ${r.hubspotMaxInWindow}/110, pretix ${r.pretixMaxInWindow}/360; 429s HubSpot ${r.hubspot429}, pretix ${r.pretix429}`,
    );
  }
}

if (only === 'scale') {
  const roundsFlag = process.argv.indexOf('--rounds');
  const rounds = roundsFlag > 0 ? Number(process.argv[roundsFlag + 1]) : undefined;
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0)) throw new Error(`--rounds wants a whole number above 0, not ${process.argv[roundsFlag + 1]}`);
  const s = await runScaleBenchmark(rounds);
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
  /** The median of a ratio taken within each round, its 95 % interval (bench/median-interval.ts), its range over the
   * rounds, and in how many rounds it was at least 1. */
  const perRound = (ratio: (round: (typeof s.rounds)[number]) => number, countAtLeastOne = false) => {
    const values = s.rounds.map(ratio);
    const interval = medianInterval(values);
    const within = interval ? `95 % ${fmt(interval.low)}–${fmt(interval.high)}, ` : '';
    return `**${fmt(median(values))}** (${within}range ${fmt(Math.min(...values))}–${fmt(Math.max(...values))}${countAtLeastOne ? `, ≥ 1 in ${values.filter((v) => v >= 1).length}/${values.length}` : ''})`;
  };
  /** A figure over the rounds: its median, and its range. */
  const spread = (values: number[], digits = 0) => `${fmt(median(values), digits)} (${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)})`;
  const instances = s.rounds[0]!.postgres.map((_, i) => i + 1);
  console.log(`\n## Webhook intake and sync with ${instances.join(', ')} receivers on one PostgreSQL, beside lowdb and a bare Fastify route (one run)`);
  console.log(`Intake: autocannon, 96 connections in all, split over the instances measured, 1 s each after a 3 s warm-up, every delivery a new order, real rate limits; ${s.rounds.length} rounds, each target in turn, ratios taken within a round (median, the 95 % interval of that median, range, for instances the rounds at or above 1).`);
  console.log('| target | req/s, median (range) | × bare route (goal ≥ 0.25) | × 1 instance (goal ≥ 1) |');
  console.log('|---|---|---|---|');
  console.log(`| bare Fastify route | ${spread(s.rounds.map((r) => r.bareRps))} | 1 | |`);
  console.log(`| lowdb, one process | ${spread(s.rounds.map((r) => r.lowdbRps))} | ${perRound((r) => r.lowdbRps / r.bareRps)} | |`);
  for (const n of instances) {
    const one = (r: (typeof s.rounds)[number]) => r.postgres[0]!.rps;
    console.log(
      `| PostgreSQL, ${n} instance(s) | ${spread(s.rounds.map((r) => r.postgres[n - 1]!.rps))} | ${perRound((r) => r.postgres[n - 1]!.rps / r.bareRps)} | ${n === 1 ? '1' : perRound((r) => r.postgres[n - 1]!.rps / one(r), true)} |`,
    );
  }
  // What limits the intake: where its CPU went, and how many deliveries shared each round trip.
  console.log('\nWhere the CPU of the PostgreSQL intake went (per acknowledged delivery, user + system, from /proc; every instance counts, the idle ones too), and the statements (pg_stat_statements), median (range) over the rounds:');
  console.log('| instances | deliveries per accept statement | statements per delivery | receivers, µs | PostgreSQL, µs | autocannon (this process), µs | all, µs | machine idle, % |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const n of instances) {
    const costs = s.rounds.map((r) => r.postgres[n - 1]!.cost);
    console.log(
      `| ${n} | ${spread(costs.map((c) => c.deliveriesPerAccept), 1)} | ${spread(costs.map((c) => c.statementsPerDelivery), 3)} | ${spread(costs.map((c) => c.receiversUs))} | ${spread(costs.map((c) => c.postgresUs))} | ${spread(costs.map((c) => c.benchmarkUs))} | ${spread(costs.map((c) => c.receiversUs + c.postgresUs + c.benchmarkUs))} | ${spread(costs.map((c) => 100 * c.idleShare))} |`,
    );
  }
  console.log('\nA pause as long as a measurement after each round: the background work of the backlog so far (CPU ms per second) and the machine idle, median (range):');
  console.log(`receivers ${spread(s.rounds.map((r) => r.pause.receiversUs / 1000))}; PostgreSQL ${spread(s.rounds.map((r) => r.pause.postgresUs / 1000))}; lowdb ${spread(s.rounds.map((r) => r.pause.lowdbUs / 1000))}; idle ${spread(s.rounds.map((r) => 100 * r.pause.idleShare))} %`);
  console.log('\nSync: 3,000 orders placed as a burst (16 lanes, through the proxy), limits lifted, until the queue is empty; a fresh set of instances for each row.');
  console.log('| store | instances | orders/s | × 1 instance |');
  console.log('|---|---|---|---|');
  console.log(`| lowdb | 1 | ${fmt(s.lowdbSyncOrdersPerSecond, 0)} | |`);
  for (const n of instances) console.log(`| PostgreSQL | ${n} | ${fmt(s.syncOrdersPerSecond[n - 1]!, 0)} | ${fmt(s.syncOrdersPerSecond[n - 1]! / s.syncOrdersPerSecond[0]!)} |`);
}

await stopBenchCluster();
