// Faults that the transport rides out still leave a trace: one warn line per retried request, naming the service,
// the status, the attempt and the delay, and never a token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT, HUBSPOT_TOKEN, ORGANIZER, PORTAL_ID, PRETIX_TOKEN, startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait-for';

interface LogLine {
  level: number;
  msg: string;
  component?: string;
  service?: string;
  status?: number | string;
  attempt?: number;
  delayMs?: number;
}

describe('retried requests', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
    const connection = await stack.connect();
    await stack.admin.post(`/connections/${connection.id}/events/${EVENT}/enable`);
  });
  afterAll(() => stack.close());

  it('log one warn line per retry with service, status, attempt and delay', async () => {
    stack.hubspot.failNext({ count: 2, status: 503, route: 'batch/upsert' });
    stack.pretix.failNext({ count: 1, status: 502 });
    await stack.pretix.emit(ORGANIZER, EVENT, 'Q7X3M', 'pretix.event.order.placed');
    await waitFor(() => stack.hubspot.objects(PORTAL_ID, 'contacts').length > 0, 'order synced despite the faults');

    const lines = stack.logs().trim().split('\n').map((line) => JSON.parse(line) as LogLine);
    const retries = lines.filter((line) => line.component === 'http-retry');
    const hubspot = retries.filter((line) => line.service === 'HubSpot');
    const pretix = retries.filter((line) => line.service === 'pretix');
    expect(hubspot.map((line) => [line.level, line.status, line.attempt])).toEqual([
      [40, 503, 2],
      [40, 503, 3],
    ]);
    expect(pretix.map((line) => [line.level, line.status, line.attempt])).toEqual([[40, 502, 2]]);
    for (const line of retries) expect(line.delayMs).toBeGreaterThan(0);
    const text = JSON.stringify(retries);
    expect(text).not.toContain(HUBSPOT_TOKEN);
    expect(text).not.toContain(PRETIX_TOKEN);
  });
});
