// The webhook route when the store answers 'stale' (the basis it judged a delivery on no longer holds, see
// store/webhook-basis.ts): it judges the delivery once more on a fresh lookup, and when even that is stale it answers
// 503 with Retry-After, storing nothing (pretix delivers again later; never 404 or 410 for this). The store is the
// real lowdb store with its accept answering 'stale' as scripted.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerErrorHandling } from '../../receiver/http/errors';
import { pretixWebhookRoutes } from '../../receiver/http/pretix-webhooks';
import { openLowdbStore } from '../../receiver/store/lowdb-store';
import { createSecretBox } from '../../receiver/store/secrets';
import type { AcceptResult, Store } from '../../receiver/store/types';
import { tempDir } from '../helpers/temp-dir';

const TOKEN = 'w'.repeat(43);

describe('webhook route and a stale basis', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: Store;
  let app: FastifyInstance;
  let staleAnswers: number;
  const lookups: (boolean | undefined)[] = [];

  beforeEach(async () => {
    dir = await tempDir();
    const real = await openLowdbStore(`${dir.path}/state.json`);
    const secrets = createSecretBox('k'.repeat(40));
    await real.saveConnection({
      id: 'c1',
      portalId: '42',
      baseUrl: 'https://pretix.example',
      organizer: 'acmecorp',
      apiTokenSealed: 'sealed',
      webhookTokenFingerprint: secrets.fingerprint(TOKEN),
      webhookTokenSealed: 'sealed',
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    await real.saveEventConfig({ connectionId: 'c1', event: 'democon', enabled: true, mappings: [], updatedAt: 'z' });
    staleAnswers = 0;
    lookups.length = 0;
    store = {
      ...real,
      findWebhookTarget: (fingerprint, event, options) => {
        lookups.push(options?.mayUseCache);
        return real.findWebhookTarget(fingerprint, event, options);
      },
      acceptWebhook: async (key, trigger, now, basis): Promise<AcceptResult> => {
        if (staleAnswers > 0) {
          staleAnswers -= 1;
          return 'stale';
        }
        return real.acceptWebhook(key, trigger, now, basis);
      },
    };
    app = Fastify();
    registerErrorHandling(app);
    await app.register(pretixWebhookRoutes, { store, secrets, onQueued: () => undefined });
  });
  afterEach(async () => {
    await app.close();
    await store.close();
    await dir.remove();
  });

  const deliver = () =>
    app.inject({
      method: 'POST',
      url: `/webhooks/pretix/${TOKEN}`,
      payload: { notification_id: 1, organizer: 'acmecorp', event: 'democon', code: 'ABC12', action: 'pretix.event.order.placed' },
    });

  it('takes an order delivery in after judging it again on a fresh lookup', async () => {
    staleAnswers = 1;
    const response = await deliver();
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'queued' });
    expect(lookups).toEqual([true, false]);
    expect((await store.listJobs()).map((job) => job.code)).toEqual(['ABC12']);
  });

  it('answers 503 with Retry-After and stores nothing when the fresh judgement is stale too', async () => {
    staleAnswers = 2;
    const response = await deliver();
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json()).toMatchObject({ error: 'connection_changing' });
    expect(lookups).toEqual([true, false]);
    expect(await store.listJobs()).toEqual([]);
    // pretix's next attempt is taken in as new.
    expect((await deliver()).json()).toEqual({ status: 'queued' });
  });
});
