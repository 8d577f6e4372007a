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
// "Sync every event of this organizer" (`setAllEvents`): the one webhook then has `all_events: true` and also listens to
// `pretix.event.added`; turning it on enables every event the receiver does not know yet, and from then on new events
// are enabled as they appear (`adoptEvent`: called by the webhook route and by the reconcile sweep, which lists the
// organizer's events as a safety net). Turning it off narrows the webhook to the enabled events again; events it
// enabled keep syncing (they show as "enabled automatically") until a person disables them.
//
// The card/settings API calls `listEvents` and `setEnabled`; the admin API and CLI call all of them.
import type { EventSummary } from '../../src/app/shared/api-types';
import { ServiceError } from '../lib/service-error';
import { PretixForbiddenError } from '../pretix/errors';
import type { PretixWebhook, PretixWebhookInput } from '../pretix/client';
import type { PretixEvent, PretixEventSettings } from '../pretix/schemas';
import { webhookActionsFor } from '../pretix/webhook-actions';
import { marketingEventSummary } from './marketing-event-service';
import { safeEqual, type SecretBox } from '../store/secrets';
import type { Connection, EventConfig, Store, SweepState } from '../store/types';
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

/** What turning "sync every event" on or off did. */
export interface AllEventsOutcome {
  connection: Connection;
  /** Events enabled because the option was turned on (unknown to the receiver until then). */
  adopted: string[];
  /** Turning it off: events it had enabled that keep syncing until a person disables them. */
  stillEnabled: string[];
  /** Events with settings of their own that are disabled: the option leaves them disabled. */
  leftDisabled: string[];
  /** For the person: what happened, including the webhook. */
  message: string;
}

export type AdoptResult = 'enabled' | 'known' | 'not_syncing_all_events';

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

  /** The webhook's action types: event and date changes too while one of the covered events has a marketing event. */
  const actionsFor = async (connection: Connection, slugs?: readonly string[]): Promise<string[]> => {
    // The slugs the webhook is about to cover decide (an event being enabled is not saved as enabled yet).
    const marketingEvents = (await deps.store.listEventConfigs(connection.id)).some(
      (c) => c.marketingEvent?.enabled && (slugs ? slugs.includes(c.event) || (connection.syncAllEvents === true && c.enabled) : c.enabled),
    );
    return webhookActionsFor(connection, { marketingEvents });
  };

  const manualInstructions = async (connection: Connection, reason: string) => {
    const enabled = (await deps.store.listEventConfigs(connection.id))
      .filter((e) => e.enabled)
      .map((e) => e.event)
      .sort();
    const events = connection.syncAllEvents ? 'all events' : `events ${enabled.join(', ') || '(the enabled events)'}`;
    return (
      `${reason} Register the webhook by hand in pretix (organizer "${connection.organizer}" → Settings → Webhooks): ` +
      `target URL ${webhookUrl(connection)}, ${events}, action types ${(await actionsFor(connection)).join(', ')}.`
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
      ...(config ? { marketingEvent: marketingEventSummary(config) } : {}),
      ...(enabled && config?.autoEnabled ? { autoEnabled: true } : {}),
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
      if (slugs.length === 0 && !connection.syncAllEvents) {
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
        // Every event, new ones included (pretix only announces a new event to a webhook that covers all events).
        all_events: connection.syncAllEvents === true,
        limit_events: connection.syncAllEvents ? [] : [...slugs].sort(),
        action_types: await actionsFor(connection, slugs),
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
    // Side by side: the store folds concurrent saves into shared checkpoints (hundreds of events, a few writes).
    const saves = (await deps.store.listEventConfigs(connectionId))
      .filter((config) => config.enabled && config.event !== except)
      .map((config) =>
        deps.store.saveEventConfig({
          ...config,
          webhookId: outcome.mode === 'registered' ? outcome.id : null,
          webhookMode: outcome.mode === 'manual' ? 'manual' : 'registered',
          webhookProblem: outcome.mode === 'manual' ? outcome.reason : null,
          updatedAt: now().toISOString(),
        }),
      );
    await Promise.all(saves);
  }

  /** Adoptions under way, so that two deliveries for one new event save it once. */
  const adopting = new Map<string, Promise<AdoptResult>>();

  /** The settings of an event that "sync every event" enables: the connection's default set, else the defaults. */
  async function adoptedConfig(connection: Connection, event: string, webhook: Pick<EventConfig, 'webhookId' | 'webhookMode' | 'webhookProblem'>): Promise<EventConfig> {
    const setId = connection.defaultMappingSetId && (await deps.store.getMappingSet(connection.id, connection.defaultMappingSetId)) ? connection.defaultMappingSetId : null;
    return {
      connectionId: connection.id,
      event,
      enabled: true,
      autoEnabled: true,
      mappings: setId ? [] : defaultMappings(),
      ...(setId ? { mappingSetId: setId } : {}),
      ...webhook,
      updatedAt: now().toISOString(),
    };
  }

  /** The webhook fields every enabled event of the connection shares, as the last toggle recorded them. */
  async function sharedWebhook(connectionId: string): Promise<Pick<EventConfig, 'webhookId' | 'webhookMode' | 'webhookProblem'>> {
    const sibling = (await deps.store.listEventConfigs(connectionId)).find((c) => c.enabled);
    return { webhookId: sibling?.webhookId ?? null, webhookMode: sibling?.webhookMode ?? 'registered', webhookProblem: sibling?.webhookProblem ?? null };
  }

  return {
    webhookUrl,

    /**
     * Enables an event that "sync every event" covers and the receiver does not know yet (no settings of its own),
     * with the connection's default set. Called for `pretix.event.added`, for an order of an unknown event and by
     * the sweep; needs no pretix request, because the webhook already covers every event. An event a person
     * configured or disabled is left as it is ('known').
     */
    adoptEvent(connectionId: string, event: string): Promise<AdoptResult> {
      const key = `${connectionId}:${event}`;
      const running = adopting.get(key);
      if (running) return running;
      const work = (async (): Promise<AdoptResult> => {
        const connection = await deps.store.getConnection(connectionId);
        if (!connection?.syncAllEvents) return 'not_syncing_all_events';
        if (await deps.store.getEventConfig(connectionId, event)) return 'known';
        await deps.store.saveEventConfig(await adoptedConfig(connection, event, await sharedWebhook(connectionId)));
        // A new event: its first sweep lists all of its orders, so orders placed before it was seen are not missed.
        if (!(await deps.store.getSweep(connectionId, event))) {
          const sweep: SweepState = { connectionId, event, watermark: new Date(0).toISOString(), lastSweepAt: null, lastFound: 0, lastEnqueued: 0, lastError: null };
          await deps.store.saveSweep(sweep);
        }
        return 'enabled';
      })();
      adopting.set(key, work);
      void work.finally(() => adopting.delete(key)).catch(() => undefined);
      return work;
    },

    /** The sweep's safety net: lists the organizer's events and adopts those not known yet; returns them. */
    async discoverNewEvents(connectionId: string, pretix: Pick<PretixEventsPort, 'listEvents'>): Promise<string[]> {
      const connection = await deps.store.getConnection(connectionId);
      if (!connection?.syncAllEvents) return [];
      const known = new Set((await deps.store.listEventConfigs(connectionId)).map((c) => c.event));
      const unknown = (await pretix.listEvents()).filter((e) => !known.has(e.slug)).map((e) => e.slug);
      const results = await Promise.all(unknown.map(async (slug) => ((await this.adoptEvent(connectionId, slug)) === 'enabled' ? slug : null)));
      return results.filter((slug): slug is string => slug !== null);
    },

    /**
     * Brings the webhook's action types up to date with the events' settings (the marketing-event switch adds the
     * event and date notifications). Never throws: false when pretix could not be asked, and the sweep still keeps
     * the marketing events current.
     */
    async refreshWebhookActions(connectionId: string): Promise<boolean> {
      return serialized(connectionId, async () => {
        const connection = await deps.store.getConnection(connectionId);
        if (!connection) return false;
        const configs = (await deps.store.listEventConfigs(connectionId)).filter((c) => c.enabled);
        // Manual mode: the person registered the webhook; the settings page shows the action types to add.
        if (configs.length === 0 || configs.some((c) => c.webhookMode === 'manual')) return false;
        const pretix = deps.pretixFor(connection);
        let known: Set<string>;
        try {
          known = new Set((await pretix.listEvents()).map((e) => e.slug));
        } catch {
          return false;
        }
        const outcome = await reconcileWebhook(connection, pretix, configs.map((c) => c.event).filter((slug) => known.has(slug)));
        return outcome.mode === 'registered';
      });
    },

    /**
     * Turns "sync every event of this organizer" on or off (and sets the default mapping set of the events it
     * enables). On: the webhook covers all events and new ones, and every event of the organizer without settings
     * here is enabled now. Off: the webhook covers the enabled events only; those it enabled stay enabled.
     * Nothing changes when pretix refuses or cannot be reached (502 with the reason).
     */
    setAllEvents(connectionId: string, options: { enabled: boolean; defaultMappingSetId?: string | null }): Promise<AllEventsOutcome> {
      return serialized(connectionId, async () => {
        const connection = await requireConnection(connectionId);
        const setId = options.defaultMappingSetId === undefined ? (connection.defaultMappingSetId ?? null) : options.defaultMappingSetId;
        if (setId !== null && !(await deps.store.getMappingSet(connectionId, setId))) {
          throw new EventServiceError(404, 'unknown_mapping_set', `No mapping set "${setId}" on this connection.`);
        }
        const updated: Connection = { ...connection, syncAllEvents: options.enabled, defaultMappingSetId: setId };
        const pretix = deps.pretixFor(updated);
        let events: PretixEvent[];
        try {
          events = await pretix.listEvents();
        } catch (error) {
          throw pretixProblem(error, `Could not change "sync every event": pretix did not list the events of organizer "${connection.organizer}"`);
        }
        const configs = new Map((await deps.store.listEventConfigs(connectionId)).map((c) => [c.event, c]));
        const known = new Set(events.map((e) => e.slug));
        const enabledSlugs = [...configs.values()].filter((c) => c.enabled && known.has(c.event)).map((c) => c.event);
        const outcome = await reconcileWebhook(updated, pretix, enabledSlugs);
        if (outcome.mode === 'failed') {
          throw new EventServiceError(
            502,
            'webhook_not_registered',
            `"Sync every event" was not ${options.enabled ? 'turned on' : 'turned off'}: the pretix webhook could not be changed (${outcome.message}). Nothing was changed; try again when pretix is reachable.`,
          );
        }
        await deps.store.saveConnection(updated);
        const webhook = {
          webhookId: outcome.mode === 'registered' ? outcome.id : null,
          webhookMode: outcome.mode === 'manual' ? ('manual' as const) : ('registered' as const),
          webhookProblem: outcome.mode === 'manual' ? outcome.reason : null,
        };
        const adopted = options.enabled ? events.filter((e) => !configs.has(e.slug)).map((e) => e.slug) : [];
        // Side by side: the store writes them in shared checkpoints, so 200 events cost a few writes, not 200.
        await Promise.all(adopted.map(async (slug) => deps.store.saveEventConfig(await adoptedConfig(updated, slug, webhook))));
        await recordOutcome(connectionId, outcome, '');
        if (!options.enabled) {
          // A new event adopted while the webhook was being narrowed (adoption does not wait in this queue) would be
          // enabled but outside limit_events: narrow once more to what is enabled now.
          // (An event without settings before was adopted meanwhile from pretix's own notification: it exists there.)
          const enabledNow = (await deps.store.listEventConfigs(connectionId))
            .filter((c) => c.enabled && (known.has(c.event) || !configs.has(c.event)))
            .map((c) => c.event);
          if (enabledNow.some((slug) => !enabledSlugs.includes(slug))) await reconcileWebhook(updated, pretix, enabledNow);
        }
        const leftDisabled = options.enabled ? [...configs.values()].filter((c) => !c.enabled).map((c) => c.event).sort() : [];
        const stillEnabled = options.enabled ? [] : [...configs.values()].filter((c) => c.enabled && c.autoEnabled).map((c) => c.event).sort();
        const parts: string[] = [];
        if (options.enabled) {
          parts.push(
            `Every event of organizer "${connection.organizer}" syncs now, new ones as soon as pretix announces them, with ${setId ? `mapping set ${setId}` : 'the default mappings'}.`,
            `${adopted.length} event(s) were enabled.`,
          );
          if (leftDisabled.length > 0) parts.push(`Left disabled because they have settings of their own: ${leftDisabled.join(', ')}.`);
        } else {
          parts.push('New events are no longer enabled automatically.');
          if (stillEnabled.length > 0) parts.push(`${stillEnabled.length} event(s) enabled automatically keep syncing until you disable them: ${stillEnabled.join(', ')}.`);
        }
        if (outcome.mode === 'manual') parts.push(await manualInstructions(updated, outcome.reason));
        return { connection: updated, adopted: adopted.sort(), stillEnabled, leftDisabled, message: parts.join(' ') };
      });
    },

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
          // The marketing-event switch and the HubSpot objectIds outlive a disable: enabling again carries on with them.
          ...(existing?.marketingEvent ? { marketingEvent: existing.marketingEvent } : {}),
          ...(existing?.marketingEvents ? { marketingEvents: existing.marketingEvents } : {}),
          // A person's toggle: from now on the event is theirs, whatever "sync every event" did before.
          autoEnabled: false,
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
        // No events and not every event: the webhook is deleted even when the connection synced every event.
        const outcome = await reconcileWebhook({ ...connection, syncAllEvents: false }, deps.pretixFor(connection), []);
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
