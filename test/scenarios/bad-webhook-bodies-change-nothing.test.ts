// Bad deliveries get a clear 4xx with a reason (never 410, which would disable the webhook in pretix) and leave
// the stored state exactly as it was; deliveries we deliberately ignore get 200 so pretix does not retry them.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { EVENT, ORGANIZER, startStack, type Stack } from '../helpers/stack';
import { exampleMappingsBody } from '../helpers/mappings';

describe('bad webhook deliveries', () => {
  let stack: Stack;
  let connection: PublicConnection;
  let before: string;

  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }, url = connection.webhookUrl) =>
    fetch(url, { method: 'POST', headers, body });

  beforeAll(async () => {
    stack = await startStack();
    await stack.app.services.worker.stop();
    connection = await stack.connect();
    await stack.admin.put(`/connections/${connection.id}/events/${EVENT}/mappings?enable=true`, exampleMappingsBody());
    await stack.store.flush();
    before = await readFile(stack.dataFile, 'utf8');
  });
  afterAll(() => stack.close());

  const cases: [string, () => Promise<Response>, number, RegExp][] = [
    ['malformed JSON', () => post('{"notification_id": 1,'), 400, /JSON/i],
    ['an empty body', () => post(''), 400, /empty|body/i],
    ['a missing notification_id', () => post(JSON.stringify({ organizer: ORGANIZER, event: EVENT, code: 'Q7X3M', action: 'pretix.event.order.placed' })), 400, /notification_id/],
    ['a non-numeric notification_id', () => post(JSON.stringify({ notification_id: 'x', organizer: ORGANIZER, event: EVENT, code: 'Q7X3M', action: 'a' })), 400, /notification_id/],
    ['an array body', () => post('[1,2,3]'), 400, /Invalid pretix webhook body/],
    ['a form body', () => post('notification_id=1', { 'content-type': 'application/x-www-form-urlencoded' }), 415, /content-type|media type/i],
    ['an oversized body', () => post(JSON.stringify({ notification_id: 1, organizer: ORGANIZER, event: EVENT, code: 'Q7X3M', action: 'x', pad: 'x'.repeat(20_000) })), 413, /large|limit/i],
    ['an unknown token', () => post(JSON.stringify({ notification_id: 1 }), undefined, `${stack.receiverUrl}/webhooks/pretix/${'x'.repeat(43)}`), 404, /No pretix connection/],
  ];

  for (const [what, send, status, reason] of cases) {
    it(`answers ${status} with a reason for ${what}`, async () => {
      const response = await send();
      expect(response.status).toBe(status);
      const body = (await response.json()) as { message: string };
      expect(body.message).toMatch(reason);
    });
  }

  it('answers 200 "ignored" for another organizer and for an event that is not enabled', async () => {
    const other = await post(JSON.stringify({ notification_id: 5, organizer: 'someoneelse', event: EVENT, code: 'Q7X3M', action: 'pretix.event.order.placed' }));
    expect(other.status).toBe(200);
    expect(await other.json()).toMatchObject({ status: 'ignored' });
    const disabled = await post(JSON.stringify({ notification_id: 6, organizer: ORGANIZER, event: 'otherevent', code: 'Q7X3M', action: 'pretix.event.order.placed' }));
    expect(disabled.status).toBe(200);
    expect(await disabled.json()).toMatchObject({ status: 'ignored', reason: expect.stringContaining('not enabled') });
  });

  it('stored nothing for any of them', async () => {
    await stack.store.flush();
    expect(await readFile(stack.dataFile, 'utf8')).toBe(before);
    expect(await stack.store.listJobs()).toHaveLength(0);
  });

  it('logged neither the webhook secret nor the tokens', () => {
    const secret = connection.webhookUrl.split('/').pop()!;
    expect(stack.logs()).toContain('/webhooks/pretix/[redacted]');
    expect(stack.logs()).not.toContain(secret);
  });
});
