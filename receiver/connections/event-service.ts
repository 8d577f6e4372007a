// A connection's pretix events and which of them sync, with the one pretix webhook that tells us about their orders.
//
// One webhook per connection, registered through pretix's webhook API: target = the connection's secret webhook URL,
// `all_events: false`, `limit_events` = the enabled events, action types = ORDER_ACTIONS. Enabling or disabling an
// event PATCHes `limit_events`; disabling the last one (or removing the connection) DELETEs the webhook, which pretix
// turns into "disabled". When the token may not manage webhooks (403), events are enabled in "manual" mode and the
// summary says what to register by hand. When pretix cannot be reached, the answer says so: an event is not enabled
// without its webhook, and a connection is not removed while its webhook would keep pointing at a dead URL (unless
// forced, and then the answer names the webhook to delete).
//
// The card/settings API calls `listEvents` and `setEnabled`; the admin API and CLI call all of them.
import type { EventSummary } from '../../src/app/shared/api-types';
import { ServiceError } from '../lib/service-error';
import { PretixForbiddenError } from '../pretix/errors';
import type { PretixWebhook, PretixWebhookInput } from '../pretix/client';
import type { PretixEvent, PretixEventSettings } from '../pretix/schemas';
import { ORDER_ACTIONS } from '../pretix/webhook-actions';
import { safeEqual, type SecretBox } from '../store/secrets';
import type { Connection, EventConfig, Store } from '../store/types';
import { SyncConfigError, SyncError } from '../domain/errors';
import { defaultMappings } from './default-mappings';
import { effectiveMappings } from './effective-mappings';

/** Event settings requests in flight at once while listing (the pretix client's rate limiter still applies). */
const LOCALE_LOOKUPS_AT_ONCE = 8;

/** What the event service needs from pretix; PretixClient has it. */
export interface PretixEventsPort {
  listEvents(): Promise<PretixEvent[]>;
  getEventSettings(event: string): Promise<PretixEventSettings>;
  listWebhooks(): Promise<PretixWebhook[]>;
  createWebhook(body: PretixWebhookInput): Promise<PretixWebhook>;
  updateWebhook(id: number, patch: Partial<PretixWebhookInput>): Promise<PretixWebhook>;
  deleteWebhook(id: number): Promise<void>;
}

export interface EventServiceDeps {
  store: Store;
  secrets: SecretBox;
  publicUrl: string;
  pretixFor(connection: Connection): PretixEventsPort;
  now?: () => Date;
}

export interface ConnectionRemoval {
  removed: true;
  /** What happened to the pretix webhook, for the person: null when there was nothing to do. */
  webhookMessage: string | null;
  webhookRemoved: boolean;
}

type WebhookOutcome =
  | { mode: 'registered'; id: number }
  | { mode: 'none'; id: null; removed: number[] }
  | { mode: 'manual'; reason: string }
  | { mode: 'failed'; message: string };

export class EventServiceError extends ServiceError {}

function eventName(event: PretixEvent, locale: string | undefined): string {
  if (typeof event.name === 'string') return event.name;
  const names = event.name;
  return (locale && names[locale]) || names.en || Object.values(names)[0] || event.slug;
}

/**
 * pretix failures as answers for the person in front of the settings page or CLI, with the codes every API uses
 * for them (../http/errors.ts): a setup problem is 409 `config_error`, pretix failing 502 `upstream_error`. Anything
 * else is a bug and goes on unchanged (500, logged with its stack).
 */
function pretixProblem(error: unknown, what: string): unknown {
  if (error instanceof ServiceError) return error;
  if (error instanceof SyncConfigError) return new EventServiceError(409, 'config_error', `${what}: ${error.message}`);
  if (error instanceof SyncError) return new EventServiceError(502, 'upstream_error', `${what}: ${error.message}`);
  return error;
}

export function createEventService(deps: EventServiceDeps) {
  const now = deps.now ?? (() => new Date());
  /** Webhook changes of one connection run one after another, so two toggles cannot overwrite each other's PATCH. */
  const queues = new Map<string, Promise<unknown>>();
  /** Default locales of events (one settings request per multilingual event, then remembered). */
  const locales = new Map<string, string | undefined>();

  const serialized = <T>(connectionId: string, work: () => Promise<T>): Promise<T> => {
    const previous = queues.get(connectionId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    queues.set(connectionId, tail);
    void tail.then(() => {
      if (queues.get(connectionId) === tail) queues.delete(connectionId);
    });
    return next;
  };

  const requireConnection = async (id: string): Promise<Connection> => {
    const connection = await deps.store.getConnection(id);
    if (!connection) throw new EventServiceError(404, 'unknown_connection', `No connection ${id}.`);
    return connection;
  };

  const webhookUrl = (connection: Connection) => `${deps.publicUrl}/webhooks/pretix/${deps.secrets.decrypt(connection.webhookTokenSealed)}`;

  const manualInstructions = async (connection: Connection, reason: string) => {
    const enabled = (await deps.store.listEventConfigs(connection.id))
      .filter((e) => e.enabled)
      .map((e) => e.event)
      .sort();
    return (
      `${reason} Register the webhook by hand in pretix (organizer "${connection.organizer}" → Settings → Webhooks): ` +
      `target URL ${webhookUrl(connection)}, events ${enabled.join(', ') || '(the enabled events)'}, ` +
      `action types ${ORDER_ACTIONS.join(', ')}.`
    );
  };

  async function localeOf(connection: Connection, pretix: PretixEventsPort, event: PretixEvent): Promise<string | undefined> {
    if (typeof event.name === 'string' || Object.keys(event.name).length <= 1) return undefined;
    const key = `${connection.id}:${event.slug}`;
    if (!locales.has(key)) {
      try {
        locales.set(key, (await pretix.getEventSettings(event.slug)).locale);
      } catch {
        return undefined; // the name in English (or any language) will do
      }
    }
    return locales.get(key);
  }

  async function summarize(connection: Connection, slug: string, event: PretixEvent | undefined, name: string, config: EventConfig | undefined): Promise<EventSummary> {
    const enabled = config?.enabled ?? false;
    let webhook: EventSummary['webhook'];
    if (!enabled) {
      webhook = { state: 'none', id: null, message: config?.webhookProblem ?? null };
    } else if (config?.webhookMode === 'manual') {
      webhook = {
        state: 'manual',
        id: null,
        message: await manualInstructions(connection, config.webhookProblem ?? 'This pretix API token may not manage webhooks.'),
      };
    } else {
      webhook = { state: 'registered', id: config?.webhookId ?? null, message: config?.webhookProblem ?? null };
    }
    return {
      slug,
      name,
      dateFrom: event?.date_from ?? null,
      dateTo: event?.date_to ?? null,
      live: event?.live ?? false,
      testmode: event?.testmode ?? false,
      enabled,
      mappingCount: (await effectiveMappings(deps.store, config)).length,
      webhook,
      ...(config?.mappingSetId ? { mappingSetId: config.mappingSetId } : {}),
    };
  }

  /**
   * Makes pretix's webhook for this connection cover exactly `slugs`. Never throws: the outcome says what happened,
   * and the caller decides whether that is acceptable.
   */
  async function reconcileWebhook(connection: Connection, pretix: PretixEventsPort, slugs: string[]): Promise<WebhookOutcome> {
    const target = webhookUrl(connection);
    try {
      const ours = (await pretix.listWebhooks()).filter((w) => safeEqual(w.target_url, target));
      if (slugs.length === 0) {
        const removed: number[] = [];
        for (const hook of ours.filter((w) => w.enabled)) {
          await pretix.deleteWebhook(hook.id);
          removed.push(hook.id);
        }
        return { mode: 'none', id: null, removed };
      }
      const body: PretixWebhookInput = {
        target_url: target,
        enabled: true,
        all_events: false,
        limit_events: [...slugs].sort(),
        action_types: [...ORDER_ACTIONS],
        comment: `pretix-hubspot: HubSpot portal ${connection.portalId}`,
      };
      const keep = ours.find((w) => w.enabled) ?? ours[0];
      const hook = keep ? await pretix.updateWebhook(keep.id, body) : await pretix.createWebhook(body);
      // Duplicates (e.g. one registered by hand as well) would deliver every notification twice.
      for (const extra of ours.filter((w) => w.enabled && w.id !== hook.id)) await pretix.deleteWebhook(extra.id);
      return { mode: 'registered', id: hook.id };
    } catch (error) {
      if (error instanceof PretixForbiddenError) {
        return { mode: 'manual', reason: 'pretix did not allow this API token to manage webhooks (403; it needs the organizer permission "Can change organizer settings").' };
      }
      return { mode: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Records the webhook outcome on every enabled event of the connection (they share the one webhook). */
  async function recordOutcome(connectionId: string, outcome: WebhookOutcome, except: string): Promise<void> {
    if (outcome.mode === 'failed') return;
    for (const config of await deps.store.listEventConfigs(connectionId)) {
      if (!config.enabled || config.event === except) continue;
      await deps.store.saveEventConfig({
        ...config,
        webhookId: outcome.mode === 'registered' ? outcome.id : null,
        webhookMode: outcome.mode === 'manual' ? 'manual' : 'registered',
        webhookProblem: outcome.mode === 'manual' ? outcome.reason : null,
        updatedAt: now().toISOString(),
      });
    }
  }

  return {
    webhookUrl,

    /** The organizer's events from pretix, merged with what is enabled here (events enabled here but gone from
     * pretix are listed too, so they can be disabled). */
    async listEvents(connectionId: string): Promise<EventSummary[]> {
      const connection = await requireConnection(connectionId);
      const pretix = deps.pretixFor(connection);
      let events: PretixEvent[];
      try {
        events = await pretix.listEvents();
      } catch (error) {
        throw pretixProblem(error, `Could not list the events of organizer "${connection.organizer}"`);
      }
      const configs = new Map((await deps.store.listEventConfigs(connectionId)).map((c) => [c.event, c]));
      // A multilingual name needs the event's locale: one settings request per event the first time. A few run side
      // by side, so that an organizer with hundreds of events still lists within the API deadline.
      const names = new Array<string>(events.length);
      let next = 0;
      const lane = async () => {
        while (next < events.length) {
          const index = next++;
          names[index] = eventName(events[index]!, await localeOf(connection, pretix, events[index]!));
        }
      };
      await Promise.all(Array.from({ length: Math.min(LOCALE_LOOKUPS_AT_ONCE, events.length) }, lane));
      const summaries: EventSummary[] = [];
      for (const [index, event] of events.entries()) {
        summaries.push(await summarize(connection, event.slug, event, names[index]!, configs.get(event.slug)));
        configs.delete(event.slug);
      }
      for (const config of configs.values()) {
        if (config.enabled) summaries.push(await summarize(connection, config.event, undefined, `${config.event} (not found in pretix)`, config));
      }
      return summaries;
    },

    /** Starts or stops syncing one event, registering or narrowing the pretix webhook accordingly. */
    async setEnabled(connectionId: string, event: string, enabled: boolean): Promise<EventSummary> {
      await requireConnection(connectionId);
      return serialized(connectionId, async () => {
        // Looked up again once it is this toggle's turn: a removal queued before it may have deleted the connection,
        // and enabling then would register a pretix webhook to a dead URL and leave an orphaned event behind.
        const connection = await requireConnection(connectionId);
        const pretix = deps.pretixFor(connection);
        let events: PretixEvent[] | null;
        try {
          events = await pretix.listEvents();
        } catch (error) {
          // Disabling must work while pretix is down (the webhook outcome below tells the person what is left).
          if (enabled) throw pretixProblem(error, `Could not enable event "${event}": pretix did not list the events`);
          events = null;
        }
        const pretixEvent = events?.find((e) => e.slug === event);
        if (enabled && !pretixEvent) {
          throw new EventServiceError(
            404,
            'unknown_event',
            `Organizer "${connection.organizer}" has no event "${event}" that this API token can see.`,
          );
        }
        const wanted = new Set((await deps.store.listEventConfigs(connectionId)).filter((c) => c.enabled).map((c) => c.event));
        if (enabled) wanted.add(event);
        else wanted.delete(event);
        // pretix only takes its own event slugs in limit_events.
        const known = events ? new Set(events.map((e) => e.slug)) : null;
        const outcome = events
          ? await reconcileWebhook(connection, pretix, [...wanted].filter((slug) => known!.has(slug)))
          : ({ mode: 'failed', message: 'pretix could not be reached' } as const);

        const existing = await deps.store.getEventConfig(connectionId, event);
        if (enabled && outcome.mode === 'failed') {
          throw new EventServiceError(
            502,
            'webhook_not_registered',
            `Event "${event}" was not enabled: the pretix webhook could not be registered (${outcome.message}). Try again when pretix is reachable.`,
          );
        }
        let webhookProblem: string | null = null;
        if (!enabled && outcome.mode === 'failed') {
          webhookProblem =
            `Event "${event}" is disabled here, but pretix could not be reached to take it out of the webhook ` +
            `(${outcome.message}). pretix keeps sending its notifications, which are ignored; disable it again to retry, ` +
            `or remove "${event}" from the webhook to ${webhookUrl(connection).replace(/[^/]+$/, '…')} in pretix.`;
        }
        const config: EventConfig = {
          connectionId,
          event,
          enabled,
          // Enabling without mappings starts from the defaults; they are ordinary mappings afterwards.
          mappings: enabled && !existing?.mappingSetId && (existing?.mappings.length ?? 0) === 0 ? defaultMappings() : (existing?.mappings ?? []),
          ...(existing?.mappingSetId ? { mappingSetId: existing.mappingSetId } : {}),
          webhookId: outcome.mode === 'registered' ? outcome.id : enabled ? null : (existing?.webhookId ?? null),
          webhookMode: outcome.mode === 'manual' ? 'manual' : 'registered',
          webhookProblem: outcome.mode === 'manual' ? outcome.reason : webhookProblem,
          updatedAt: now().toISOString(),
        };
        if (!enabled && outcome.mode !== 'failed') config.webhookId = null;
        await deps.store.saveEventConfig(config);
        await recordOutcome(connectionId, outcome, event);
        const name = pretixEvent ? eventName(pretixEvent, await localeOf(connection, pretix, pretixEvent)) : event;
        return await summarize(connection, event, pretixEvent, name, config);
      });
    },

    /**
     * Removes the connection after taking its webhook out of pretix. If pretix cannot be reached the connection
     * stays (answer 502) unless `force`, which removes it and names the webhook the person must delete by hand.
     */
    async removeConnection(connectionId: string, options: { force?: boolean } = {}): Promise<ConnectionRemoval> {
      const connection = await requireConnection(connectionId);
      return serialized(connectionId, async () => {
        const outcome = await reconcileWebhook(connection, deps.pretixFor(connection), []);
        const target = webhookUrl(connection);
        let webhookMessage: string | null = null;
        if (outcome.mode === 'failed') {
          if (!options.force) {
            throw new EventServiceError(
              502,
              'webhook_not_removed',
              `The connection was not removed: pretix could not be reached to remove its webhook (${outcome.message}). ` +
                'Try again, or remove it anyway with force and delete the webhook in pretix by hand.',
            );
          }
          webhookMessage = `pretix could not be reached (${outcome.message}): delete the webhook with target URL ${target} in pretix (organizer "${connection.organizer}" → Settings → Webhooks) by hand.`;
        } else if (outcome.mode === 'manual') {
          webhookMessage = `This API token may not manage webhooks: delete the webhook with target URL ${target} in pretix (organizer "${connection.organizer}" → Settings → Webhooks) by hand.`;
        } else if (outcome.mode === 'none' && outcome.removed.length > 0) {
          webhookMessage = `Removed pretix webhook ${outcome.removed.join(', ')} (pretix keeps it listed as disabled).`;
        }
        await deps.store.deleteConnection(connectionId);
        locales.forEach((_value, key) => key.startsWith(`${connectionId}:`) && locales.delete(key));
        return { removed: true, webhookMessage, webhookRemoved: outcome.mode === 'none' };
      });
    },
  };
}

export type EventService = ReturnType<typeof createEventService>;
