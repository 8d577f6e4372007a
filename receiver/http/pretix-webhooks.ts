// pretix webhook deliveries. The body is only a trigger (pretix signs nothing): it is validated, deduplicated on
// notification_id and stored as a sync job on disk before we answer 200. We never answer 410, which would make
// pretix disable the webhook, and answer 200 for deliveries we deliberately ignore so pretix does not retry them.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { eventSlugSchema } from '../domain/pretix-identifiers';
import { webhookPayloadSchema } from '../pretix/schemas';
import { EVENT_ADDED_ACTION, MARKETING_EVENT_ACTIONS } from '../pretix/webhook-actions';
import type { ChangeOutcome, EventChange } from '../sync/marketing-refresh';
import type { SecretBox } from '../store/secrets';
import { equalFingerprints } from '../store/secrets';
import type { Store } from '../store/types';
import { badRequestFromZod, HttpError } from './errors';

export interface PretixWebhookDeps {
  store: Store;
  secrets: SecretBox;
  /** A notification was queued: its action, so that check-ins may wait longer for their batch (flush-policy.ts). */
  onQueued: (action: string) => void;
  /** "Sync every event": enables an event the receiver does not know yet (the event service's adoptEvent). */
  adoptEvent?: (connectionId: string, event: string) => Promise<'enabled' | 'known' | 'not_syncing_all_events'>;
  /** Event and date changes for marketing events: stores what is due (sync/marketing-refresh.ts accept), then
   * `done` runs it once pretix has its answer. */
  eventChanged?: {
    accept(connectionId: string, change: EventChange): Promise<ChangeOutcome>;
    kick(connectionId: string, event: string): void;
  };
  now?: () => number;
}

/** pretix's order payload is about 150 bytes and a check-in one about 300; 16 KiB leaves room and stops abuse. */
export const WEBHOOK_BODY_LIMIT = 16 * 1024;

/** A full disk takes a person to fix; pretix keeps its own retry schedule either way. */
const STORAGE_RETRY_AFTER_SECONDS = 60;

/** pretix's payload; `event` and `code` are absent from organizer-level notifications, which we ignore, and `event`
 * is null in `pretix.event.deleted` when the event was deleted through pretix's REST API. */
const envelopeSchema = webhookPayloadSchema.partial({ code: true }).extend({ event: eventSlugSchema.nullish() });
/** The date's id in `pretix.subevent.*` (the log entry's object_id). */
const subeventSchema = z.object({ subevent: z.number().int().positive() });
const paramsSchema = z.object({ token: z.string().min(16).max(128) });

export async function pretixWebhookRoutes(app: FastifyInstance, deps: PretixWebhookDeps): Promise<void> {
  const now = deps.now ?? Date.now;

  // A response schema lets Fastify serialize the answer with a compiled stringifier (a burst's hot path).
  const answerSchema = { type: 'object', properties: { status: { type: 'string' }, reason: { type: 'string' } }, required: ['status'] };

  app.post('/webhooks/pretix/:token', { bodyLimit: WEBHOOK_BODY_LIMIT, schema: { response: { 200: answerSchema } } }, async (request, reply) => {
    const params = paramsSchema.safeParse(request.params);
    const fingerprint = params.success ? deps.secrets.fingerprint(params.data.token) : '';
    const envelope = envelopeSchema.safeParse(request.body);
    // An order's delivery may be judged on a remembered lookup: its accept checks that judgement again (the basis)
    // and answers 'stale' when it no longer holds, and then it is judged once more on a fresh one.
    const isOrderDelivery = envelope.success && envelope.data.code !== undefined && envelope.data.event != null;
    return handleDelivery(request, reply, params.success, fingerprint, envelope, isOrderDelivery);
  });

  async function handleDelivery(
    request: FastifyRequest,
    reply: FastifyReply,
    tokenWellFormed: boolean,
    fingerprint: string,
    envelope: ReturnType<typeof envelopeSchema.safeParse>,
    mayUseCache: boolean,
  ): Promise<FastifyReply> {
    // The connection and the event's configuration in one lookup (the body is only answered for after the token).
    const target = tokenWellFormed
      ? await deps.store.findWebhookTarget(fingerprint, envelope.success ? (envelope.data.event ?? undefined) : undefined, { mayUseCache })
      : undefined;
    const connection = target?.connection;
    // Only a keyed hash of the token is stored and compared (in constant time), so neither the lookup nor the
    // comparison works on the secret itself.
    if (!connection || !equalFingerprints(connection.webhookTokenFingerprint, fingerprint)) {
      throw new HttpError(404, 'unknown_webhook', 'No pretix connection has this webhook URL. Copy the URL again from `pretix-hubspot connection list`.');
    }
    if (!envelope.success) throw badRequestFromZod(envelope.error, 'pretix webhook body');
    const { organizer, action, notification_id } = envelope.data;
    // A child logger only where something is logged: this is the hot path of a webhook burst.
    const log = () => request.log.child({ connectionId: connection.id, notificationId: notification_id, action });

    if (organizer !== connection.organizer) {
      log().warn({ organizer }, 'webhook for another organizer ignored');
      return reply.send({ status: 'ignored', reason: `this webhook URL belongs to organizer ${connection.organizer}, not ${organizer}` });
    }
    const { code } = envelope.data;
    const event = envelope.data.event ?? undefined;
    const storageFailed = (error: unknown, what = 'the journal cannot be written'): never => {
      // Not on disk, so not acknowledged: a 5xx makes pretix deliver it again later. /healthz names the reason.
      log().error({ err: error }, `webhook not stored: ${what}`);
      reply.header('retry-after', String(STORAGE_RETRY_AFTER_SECONDS));
      throw new HttpError(503, 'storage_unavailable', 'The receiver cannot store webhooks right now (see /healthz); nothing was acknowledged.');
    };
    // A new event of an organizer synced as a whole: enabled (on disk) before the answer. Its orders may follow at
    // once. An event we do not know is the point of this notification, never a 404.
    if (action === EVENT_ADDED_ACTION && event !== undefined && code === undefined) {
      if (!connection.syncAllEvents || !deps.adoptEvent) return reply.send({ status: 'ignored', reason: '"sync every event" is off for this connection' });
      const adopted = await deps.adoptEvent(connection.id, event).catch((error: unknown) => storageFailed(error, 'the new event could not be saved'));
      log().info({ event, adopted }, 'new pretix event');
      return reply.send({ status: adopted === 'enabled' ? 'enabled' : 'ignored', ...(adopted === 'enabled' ? {} : { reason: `event ${event} is known already` }) });
    }
    // An event or date changed: what is due is stored before the answer, the refresh runs right after it. An event
    // unknown here (deleted in pretix, or never enabled) is answered 200 and ignored, never 404 or 410.
    if (MARKETING_EVENT_ACTIONS.includes(action) && code === undefined) {
      if (!deps.eventChanged) return reply.send({ status: 'ignored', reason: 'marketing events are not kept up to date by this receiver' });
      let subevent: number | undefined;
      if (action.startsWith('pretix.subevent.')) {
        const parsed = subeventSchema.safeParse(request.body);
        if (!parsed.success) throw badRequestFromZod(parsed.error, 'pretix sub-event webhook body');
        subevent = parsed.data.subevent;
      }
      const changed = deps.eventChanged;
      const outcome = await changed.accept(connection.id, { action, event: event ?? null, subevent }).catch((error: unknown) => storageFailed(error, 'the marketing-event refresh could not be saved'));
      if (outcome.status === 'ignored') return reply.send({ status: 'ignored', reason: outcome.reason });
      log().info({ event, subevent, events: outcome.events }, 'pretix event change queued for its marketing events');
      reply.raw.once('close', () => outcome.events.forEach((slug) => changed.kick(connection.id, slug)));
      return reply.send({ status: 'queued' });
    }
    if (code === undefined || event === undefined) {
      log().info('webhook without an order ignored');
      return reply.send({ status: 'ignored', reason: 'not an order notification' });
    }

    let eventConfig = target.eventConfig;
    // An order of an event we have not seen yet, while every event syncs: pretix may deliver it before (or without)
    // the event's own notification, so the event is enabled here as well.
    if (!eventConfig && connection.syncAllEvents && deps.adoptEvent) {
      await deps.adoptEvent(connection.id, event).catch((error: unknown) => storageFailed(error, 'the new event could not be saved'));
      eventConfig = await deps.store.getEventConfig(connection.id, event);
    }
    if (!eventConfig?.enabled) {
      log().info({ event }, 'webhook for an event that is not enabled ignored');
      return reply.send({ status: 'ignored', reason: `event ${event} is not enabled for sync` });
    }

    let result;
    try {
      result = await deps.store.acceptWebhook(
        `${connection.id}:${notification_id}`,
        { portalId: connection.portalId, connectionId: connection.id, event, code, action },
        now(),
        { webhookFingerprint: connection.webhookTokenFingerprint, organizer: connection.organizer },
      );
    } catch (error) {
      storageFailed(error);
    }
    if (result === 'stale') {
      // Judged on a remembered lookup that no longer holds: once more on a fresh one. Fresh and still stale means the
      // connection or event changed in these very milliseconds; pretix delivers again later.
      if (mayUseCache) return handleDelivery(request, reply, tokenWellFormed, fingerprint, envelope, false);
      reply.header('retry-after', '1');
      throw new HttpError(503, 'connection_changing', 'The connection or event changed while this webhook was taken in; nothing was acknowledged.');
    }
    if (result !== 'duplicate') deps.onQueued(action);
    if (request.log.level === 'debug' || request.log.level === 'trace') log().debug({ code, result }, 'webhook accepted');
    return reply.send({ status: result });
  }
}
