// The retry log: one warn line per retry with service, status, attempt and delay, at most N per service per window,
// and a count of what was held back once the window is over.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RetryEvent } from '../../receiver/lib/http-transport';
import { createRetryLog } from '../../receiver/lib/retry-log';

const event = (service: string, attempt = 2): RetryEvent => ({ service, method: 'POST', path: '/crm/v3/objects/contacts/batch/upsert', status: 429, attempt, delayMs: 1_000 });

function capture() {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  return { lines, logger: { warn: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }) } };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('retry log', () => {
  it('logs service, status, attempt and delay for each retry', () => {
    const { lines, logger } = capture();
    createRetryLog(logger)(event('HubSpot', 3));
    expect(lines).toEqual([
      {
        fields: expect.objectContaining({ service: 'HubSpot', status: 429, attempt: 3, delayMs: 1_000, path: '/crm/v3/objects/contacts/batch/upsert' }),
        message: 'HubSpot answered HTTP 429; attempt 3 in 1000 ms',
      },
    ]);
  });

  it('writes at most maxLines per service per window and then says how many it held back', async () => {
    vi.useFakeTimers({ now: 0 });
    const { lines, logger } = capture();
    const log = createRetryLog(logger, { maxLines: 3, windowMs: 10_000, now: () => Date.now(), setTimer: (run, ms) => void setTimeout(run, ms) });
    for (let i = 0; i < 500; i++) log(event('HubSpot'));
    for (let i = 0; i < 2; i++) log(event('pretix'));
    expect(lines.filter((l) => l.fields.service === 'HubSpot')).toHaveLength(3);
    expect(lines.filter((l) => l.fields.service === 'pretix')).toHaveLength(2);

    await vi.advanceTimersByTimeAsync(10_000);
    const summary = lines.at(-1)!;
    expect(summary.fields).toMatchObject({ service: 'HubSpot', suppressed: 497 });
    expect(summary.message).toBe('497 more HubSpot request retries were not logged in the last 10 s');
    expect(lines).toHaveLength(6);

    // A new window logs again.
    log(event('HubSpot'));
    expect(lines).toHaveLength(7);
    expect(lines.at(-1)!.fields.suppressed).toBeUndefined();
  });
});
