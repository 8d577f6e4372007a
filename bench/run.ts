// `npm run bench`: every benchmark, one run, figures as ratios against a baseline measured in the same run.
// Not a test: it prints numbers for the README and exits 0 unless something broke.
import { runAcceptanceBenchmark } from './acceptance';
import { runBurstBenchmark } from './burst';

const only = process.argv[2];
const fmt = (n: number, digits = 2) => n.toFixed(digits);

if (!only || only === 'acceptance') {
  const a = await runAcceptanceBenchmark();
  console.log('\n## Webhook acceptance (autocannon, 32 connections, 2 × 5 s each, alternating)');
  console.log(`bare Fastify route:     ${fmt(a.bare.rps, 0)} req/s, p99 ${fmt(a.bare.p99, 1)} ms`);
  console.log(`POST /webhooks/pretix:  ${fmt(a.webhook.rps, 0)} req/s, p99 ${fmt(a.webhook.p99, 1)} ms (each answer after an fsync'd write)`);
  console.log(`throughput ratio ${fmt(a.throughputRatio)} (goal ≥ 0.25), p99 ratio bare/webhook ${fmt(a.p99Ratio)} (goal ≥ 0.25)`);
}

if (!only || only === 'burst') {
  const b = await runBurstBenchmark(1000);
  console.log('\n## Burst of 1,000 order webhooks, two mappings, limits 360/min (pretix) and 110/10 s (HubSpot)');
  console.log(`all synced after ${fmt(b.seconds, 1)} s (goal ≤ 30 s)`);
  console.log(`HubSpot requests per order ${fmt(b.hubspotRequestsPerOrder, 3)} (goal ≤ 0.06), pretix requests per order ${fmt(b.pretixRequestsPerOrder, 3)} (goal ≤ 0.05)`);
  console.log(`429s: HubSpot ${b.hubspot429}, pretix ${b.pretix429}; most requests in any window: HubSpot ${b.hubspotMaxInWindow}/110, pretix ${b.pretixMaxInWindow}/360`);
}
