// The per-event switch "Marketing event in HubSpot" and the marketing events' own life: created when the switch is
// turned on for an enabled event (a series' dates on their first order, in the batch sync), renamed or moved when
// pretix's event or date changes, completed once its end has passed, cancelled when the date is deleted or
// deactivated or the event is gone. The reconcile sweep calls refresh() for every enabled event with the switch on.
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import type { Connection, EventConfig, MarketingEventSettings, Store, StoredMarketingEvent } from '../store/types';
import type { EventContextCache } from '../sync/event-context-cache';
import { describeMarketingEvent, ensureMarketingEvents, marketingEventAvailability, type Availability } from '../sync/marketing-event-sync';
import { DEFAULT_COUNT_APPROVAL_PENDING, DEFAULT_COUNT_PENDING, externalEventIdFor } from '../sync/participation';
import type { EventMarketingEvent } from '../../src/app/shared/api-types';
import type { MarketingEventsLike, PretixClientLike } from '../sync/ports';
import { PretixForbiddenError, PretixUnknownEventError } from '../pretix/errors';
import { ServiceError } from '../lib/service-error';

export const marketingEventSettingsSchema = z.object({
  enabled: z.boolean(),
  countPending: z.boolean().optional(),
  countApprovalPending: z.boolean().optional(),
});

/** What the settings page shows of an event's marketing event. */
export function marketingEventSummary(config: EventConfig): EventMarketingEvent {
  return {
    enabled: config.marketingEvent?.enabled ?? false,
    countPending: config.marketingEvent?.countPending ?? DEFAULT_COUNT_PENDING,
    countApprovalPending: config.marketingEvent?.countApprovalPending ?? DEFAULT_COUNT_APPROVAL_PENDING,
    marketingEvents: Object.keys(config.marketingEvents ?? {}).length,
    problem: config.marketingEventProblem ?? null,
  };
}

export interface MarketingEventServiceDeps {
  store: Pick<Store, 'getConnection' | 'getEventConfig' | 'saveEventConfig' | 'getInstallation'>;
  contexts: EventContextCache;
  pretixFor(connection: Connection): PretixClientLike;
  marketingFor(portalId: string): Promise<MarketingEventsLike>;
  logger?: FastifyBaseLogger;
  now?: () => number;
  /** After the switch changed on an enabled event: the pretix webhook then listens to event and date changes or not
   * (event-service.ts refreshWebhookActions); false when pretix could not be asked. */
  onSwitchChanged?(connectionId: string): Promise<boolean>;
  /** Where the refresh's config saves queue behind other read-modify-writes of the event (sync/marketing-refresh.ts),
   * so that a refresh requested meanwhile is not overwritten. */
  serializeConfigWrite?<T>(connectionId: string, event: string, work: () => Promise<T>): Promise<T>;
}

export interface MarketingEventService {
  availability(portalId: string): Promise<Availability>;
  /** Saves the switch and which orders count; turning it on for an enabled event creates its marketing event. */
  saveSettings(connectionId: string, event: string, settings: MarketingEventSettings): Promise<{ event: EventConfig; availability: Availability }>;
  /** Name and date changes, completion and cancellation: of every marketing event of the event, or of some dates. */
  refresh(connectionId: string, event: string, dates?: 'all' | number[]): Promise<void>;
  /** Whether pretix no longer has the event (one request while it does): the cheap check before a full refresh. */
  isGone(connectionId: string, event: string): Promise<boolean>;
}

export function createMarketingEventService(deps: MarketingEventServiceDeps): MarketingEventService {
  const now = deps.now ?? Date.now;

  async function stepInput(connection: Connection, event: string) {
    const pretix = deps.pretixFor(connection);
    const context = await deps.contexts.get(`${connection.id}:${event}`, pretix, connection.organizer, event);
    return { store: deps.store, connection, event, context, pretix, client: await deps.marketingFor(connection.portalId), now };
  }

  async function saveProblem(connectionId: string, event: string, problem: string | null): Promise<void> {
    const config = await deps.store.getEventConfig(connectionId, event);
    if (config && (config.marketingEventProblem ?? null) !== problem) {
      await deps.store.saveEventConfig({ ...config, marketingEventProblem: problem, updatedAt: new Date(now()).toISOString() });
    }
  }

  return {
    availability: (portalId) => marketingEventAvailability(deps.store, portalId),

    async saveSettings(connectionId, event, settings) {
      const connection = await deps.store.getConnection(connectionId);
      const config = await deps.store.getEventConfig(connectionId, event);
      if (!connection || !config) throw new ServiceError(404, 'unknown_event', `Event ${event} has no settings yet: enable it first.`);
      await deps.store.saveEventConfig({ ...config, marketingEvent: settings, updatedAt: new Date(now()).toISOString() });
      if (config.enabled && (config.marketingEvent?.enabled ?? false) !== settings.enabled && deps.onSwitchChanged) {
        // Without the event notifications the sweep still renames, completes and cancels, only later.
        if (!(await deps.onSwitchChanged(connectionId))) deps.logger?.warn({ connectionId, event }, 'pretix webhook not updated for the marketing-event switch; the sweep keeps marketing events current');
      }
      const availability = await marketingEventAvailability(deps.store, connection.portalId);
      if (!availability.available) await saveProblem(connectionId, event, availability.reason);
      else if (settings.enabled && config.enabled) {
        try {
          const input = await stepInput(connection, event);
          // A series gets one marketing event per date, each on its first order: nothing to create up front.
          if (!input.context.event.has_subevents) {
            await ensureMarketingEvents(input, (await deps.store.getEventConfig(connectionId, event))!, new Map([[externalEventIdFor(connection.organizer, event, null), null]]));
          }
        } catch (error) {
          // The switch is saved either way; the first batch sync tries again.
          const message = error instanceof Error ? error.message : String(error);
          deps.logger?.warn({ connectionId, event, error: message }, 'marketing event not created yet');
          await saveProblem(connectionId, event, `The marketing event could not be created yet: ${message}`);
        }
      }
      return { event: (await deps.store.getEventConfig(connectionId, event))!, availability };
    },

    async refresh(connectionId, event, dates = 'all') {
      const connection = await deps.store.getConnection(connectionId);
      const config = await deps.store.getEventConfig(connectionId, event);
      const stored = Object.values(config?.marketingEvents ?? {}).filter((m) => dates === 'all' || (m.subeventId !== null && dates.includes(m.subeventId)));
      if (!connection || !config?.marketingEvent?.enabled || stored.length === 0) return;
      if (!(await marketingEventAvailability(deps.store, connection.portalId)).available) return;
      const open = stored.filter((m) => m.state !== 'cancelled');
      // Cancelled is final: an event deleted in pretix costs nothing more at each sweep.
      if (open.length === 0) return;
      await deps.contexts.invalidate(`${connection.id}:${event}`);
      let input;
      try {
        input = await stepInput(connection, event);
      } catch (error) {
        if (!(await eventIsGone(connection, event, error))) throw error;
        // The event is gone from pretix: its marketing events are cancelled, in one batch update.
        const client = await deps.marketingFor(connection.portalId);
        await client.update(open.map((m) => ({ objectId: m.objectId, eventCancelled: true })));
        await saveEvents(connectionId, event, open.map((m) => ({ ...m, state: 'cancelled' as const })));
        return;
      }
      const organizerName = (await input.pretix.getOrganizerName?.().catch(() => undefined)) ?? connection.organizer;
      const updates: StoredMarketingEvent[] = [];
      // Renames, moves and cancellations share one batch update; only completion has no batch endpoint.
      const batch: Parameters<MarketingEventsLike['update']>[0] = [];
      for (const me of open) {
        const { body, gone } = await describeMarketingEvent(input, me.externalEventId, me.subeventId, organizerName);
        if (gone) {
          batch.push({ objectId: me.objectId, eventCancelled: true });
          updates.push({ ...me, state: 'cancelled' });
          continue;
        }
        const changed = body.eventName !== me.name || body.startDateTime !== me.startDateTime || body.endDateTime !== me.endDateTime || body.eventUrl !== me.url;
        let next: StoredMarketingEvent = { ...me, name: body.eventName, startDateTime: body.startDateTime, endDateTime: body.endDateTime, url: body.eventUrl };
        if (changed) batch.push({ objectId: me.objectId, eventName: body.eventName, eventOrganizer: organizerName, startDateTime: body.startDateTime, endDateTime: body.endDateTime, eventUrl: body.eventUrl });
        const end = body.endDateTime ?? body.startDateTime;
        if (me.state === 'active' && end && Date.parse(end) < now() && body.startDateTime && body.endDateTime) {
          await input.client.complete(connection.id, me.externalEventId, body.startDateTime, body.endDateTime);
          next = { ...next, state: 'completed' };
        }
        if (changed || next.state !== me.state) updates.push(next);
      }
      if (batch.length > 0) await input.client.update(batch);
      if (updates.length > 0) await saveEvents(connectionId, event, updates);
    },

    isGone,
  };

  async function isGone(connectionId: string, event: string): Promise<boolean> {
    const connection = await deps.store.getConnection(connectionId);
    if (!connection) return false;
    try {
      await deps.pretixFor(connection).getEvent(event);
      return false;
    } catch (error) {
      if (await eventIsGone(connection, event, error)) return true;
      throw error;
    }
  }

  /**
   * Whether loading the event failed because pretix no longer has it. pretix answers 403 for an event that does not
   * exist (as for one the token may not see), so a 403 counts only when the organizer's event list lacks it too.
   */
  async function eventIsGone(connection: Connection, event: string, error: unknown): Promise<boolean> {
    if (error instanceof PretixUnknownEventError) return true;
    if (!(error instanceof PretixForbiddenError)) return false;
    const pretix = deps.pretixFor(connection);
    if (!pretix.listEvents) return false;
    return !(await pretix.listEvents()).some((e) => e.slug === event);
  }

  async function saveEvents(connectionId: string, event: string, updates: StoredMarketingEvent[]): Promise<void> {
    if (deps.serializeConfigWrite) return deps.serializeConfigWrite(connectionId, event, () => writeEvents(connectionId, event, updates));
    return writeEvents(connectionId, event, updates);
  }

  async function writeEvents(connectionId: string, event: string, updates: StoredMarketingEvent[]): Promise<void> {
    const fresh = await deps.store.getEventConfig(connectionId, event);
    if (!fresh) return;
    const syncedAt = new Date(now()).toISOString();
    const merged = { ...fresh.marketingEvents };
    for (const update of updates) merged[update.externalEventId] = { ...update, syncedAt };
    await deps.store.saveEventConfig({ ...fresh, marketingEvents: merged, updatedAt: syncedAt });
  }
}
