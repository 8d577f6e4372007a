// HubSpot's Marketing Events API, version 2026-03 (reference/hubspot.md §7), over the CRM client's transport: the
// same rate limiter key, token and error classification. Only the calls the receiver needs, and none of those
// HubSpot announced for sunset (`…/events/{id}/{state}/upsert`, `email-upsert`): attendance goes through
// `attendance/{externalEventId}/{state}/email-create`.
import { z } from 'zod';
import { pathSegment } from '../lib/url-path';
import type { HubSpotClient } from './crm-client';

const BASE = '/marketing/marketing-events/2026-03';
/** HubSpot's batch size for these endpoints, as for the CRM ones. */
export const MARKETING_BATCH_LIMIT = 100;

export const MARKETING_EVENT_SCOPES = ['crm.objects.marketing_events.read', 'crm.objects.marketing_events.write'] as const;

export interface MarketingEventInput {
  externalAccountId: string;
  externalEventId: string;
  eventName: string;
  eventOrganizer: string;
  eventUrl?: string;
  eventType?: string;
  startDateTime?: string;
  endDateTime?: string;
  eventCancelled?: boolean;
}

export interface MarketingEventUpdate {
  objectId: string;
  eventName?: string;
  eventOrganizer?: string;
  eventUrl?: string;
  startDateTime?: string;
  endDateTime?: string;
  eventCancelled?: boolean;
}

export type AttendanceCall = 'register' | 'attend' | 'cancel';

export interface AttendanceInput {
  email: string;
  /** When it happened (ms): the order's time for register/cancel, the check-in's for attend. */
  interactionDateTime: number;
}

const eventAnswer = z.looseObject({
  objectId: z.union([z.string(), z.number()]).transform(String).optional(),
  id: z.union([z.string(), z.number()]).transform(String).optional(),
  eventName: z.string(),
});
const batchEventsAnswer = z.looseObject({ results: z.array(eventAnswer).default([]) });
const batchErrorsAnswer = z.looseObject({
  results: z.array(z.unknown()).default([]),
  errors: z.array(z.looseObject({ message: z.string(), context: z.record(z.string(), z.array(z.string())).optional() })).optional(),
});
const anything = z.unknown();

const objectIdOf = (answer: z.output<typeof eventAnswer>) => answer.objectId ?? answer.id;

function body(input: MarketingEventInput) {
  // customProperties is required even when empty.
  return { ...input, customProperties: [] };
}

export class MarketingEventsClient {
  constructor(private readonly hubspot: Pick<HubSpotClient, 'request'>) {}

  /** Creates or updates one event by its external id; the objectId HubSpot gave it. */
  async upsertOne(input: MarketingEventInput): Promise<string> {
    const answer = await this.hubspot.request('PUT', `${BASE}/events/${pathSegment(input.externalEventId)}`, eventAnswer, body(input));
    const objectId = objectIdOf(answer);
    if (!objectId) throw new Error(`HubSpot answered the upsert of marketing event ${input.externalEventId} without an objectId`);
    return objectId;
  }

  /**
   * Batch upsert. HubSpot's answer does not repeat the external ids, so results are matched to inputs by name, which
   * the receiver keeps unique per batch; any input a result cannot be matched to is upserted on its own.
   */
  async upsert(inputs: MarketingEventInput[]): Promise<Map<string, string>> {
    const objectIds = new Map<string, string>();
    for (let start = 0; start < inputs.length; start += MARKETING_BATCH_LIMIT) {
      const chunk = inputs.slice(start, start + MARKETING_BATCH_LIMIT);
      const names = new Map<string, MarketingEventInput[]>();
      for (const input of chunk) names.set(input.eventName, [...(names.get(input.eventName) ?? []), input]);
      if (chunk.length > 1) {
        const answer = await this.hubspot.request('POST', `${BASE}/events/upsert`, batchEventsAnswer, { inputs: chunk.map(body) });
        for (const result of answer.results) {
          const owners = names.get(result.eventName);
          const objectId = objectIdOf(result);
          if (owners?.length === 1 && objectId) objectIds.set(owners[0]!.externalEventId, objectId);
        }
      }
      for (const input of chunk) {
        if (!objectIds.has(input.externalEventId)) objectIds.set(input.externalEventId, await this.upsertOne(input));
      }
    }
    return objectIds;
  }

  /** Batch update by objectId; the objectIds HubSpot did not find (deleted in HubSpot). */
  async update(updates: MarketingEventUpdate[]): Promise<string[]> {
    const missing: string[] = [];
    for (let start = 0; start < updates.length; start += MARKETING_BATCH_LIMIT) {
      const chunk = updates.slice(start, start + MARKETING_BATCH_LIMIT);
      const answer = await this.hubspot.request('POST', `${BASE}/batch/update`, batchErrorsAnswer, { inputs: chunk.map((u) => ({ ...u, customProperties: [] })) });
      for (const error of answer.errors ?? []) missing.push(...(error.context?.ids ?? []));
    }
    return missing;
  }

  async complete(externalAccountId: string, externalEventId: string, startDateTime: string, endDateTime: string): Promise<void> {
    await this.hubspot.request('POST', `${BASE}/events/${pathSegment(externalEventId)}/complete?externalAccountId=${encodeURIComponent(externalAccountId)}`, anything, {
      startDateTime,
      endDateTime,
    });
  }

  async cancel(externalAccountId: string, externalEventId: string): Promise<void> {
    await this.hubspot.request('POST', `${BASE}/events/${pathSegment(externalEventId)}/cancel?externalAccountId=${encodeURIComponent(externalAccountId)}`, anything);
  }

  /** Records participations by email, 100 to a request; HubSpot creates contacts it does not know. */
  async recordAttendance(externalAccountId: string, externalEventId: string, state: AttendanceCall, inputs: AttendanceInput[]): Promise<void> {
    const path = `${BASE}/attendance/${pathSegment(externalEventId)}/${state}/email-create?externalAccountId=${encodeURIComponent(externalAccountId)}`;
    for (let start = 0; start < inputs.length; start += MARKETING_BATCH_LIMIT) {
      const chunk = inputs.slice(start, start + MARKETING_BATCH_LIMIT);
      await this.hubspot.request('POST', path, anything, {
        inputs: chunk.map((input) => ({ email: input.email, interactionDateTime: input.interactionDateTime, contactProperties: {}, properties: {} })),
      });
    }
  }
}
