// What the sync engine needs from the outside world, as narrow interfaces. The real pretix and HubSpot clients
// satisfy them structurally; tests can too. Data shapes are the clients' own (types only, no runtime import).
import type {
  PretixCheckinList,
  PretixEvent,
  PretixEventSettings,
  PretixItem,
  PretixOrder,
  PretixQuestion,
  PretixSubEvent,
} from '../pretix/schemas';
import type { CrmObject as CrmObjectRef, UpsertInput } from '../hubspot/crm-client';
import type { OrdersPage } from '../pretix/client';
import type { MarketingEventsClient } from '../hubspot/marketing-events-client';
import type { FailureClass } from '../domain/errors';
import type { HubSpotObjectType } from '../domain/mapping-schema';

export type { OrdersPage } from '../pretix/client';

export interface PretixClientLike {
  getEvent(event: string): Promise<PretixEvent>;
  getEventSettings(event: string): Promise<PretixEventSettings>;
  listItems(event: string): Promise<PretixItem[]>;
  listQuestions(event: string): Promise<PretixQuestion[]>;
  listCheckinLists(event: string): Promise<PretixCheckinList[]>;
  getOrder(event: string, code: string): Promise<PretixOrder | null>;
  listOrders(event: string, options?: { modifiedSince?: string; ordering?: string; startPage?: number }): AsyncIterable<OrdersPage>;
  /** For marketing events (optional so that test doubles without series need not have them). */
  getSubEvent?(event: string, id: number): Promise<PretixSubEvent | null>;
  getOrganizerName?(): Promise<string>;
  /** The organizer's events: tells a deleted event from one the token may not see (both answer 403). */
  listEvents?(): Promise<PretixEvent[]>;
}

/** The Marketing Events calls the sync makes (../hubspot/marketing-events-client.ts). */
export type MarketingEventsLike = Pick<MarketingEventsClient, 'upsert' | 'update' | 'complete' | 'cancel' | 'recordAttendance'>;

export type { CrmObject as CrmObjectRef, UpsertInput } from '../hubspot/crm-client';

export interface CrmClientLike {
  batchRead(
    objectType: HubSpotObjectType,
    idProperty: string,
    ids: string[],
    properties: string[],
  ): Promise<{ found: Map<string, CrmObjectRef>; missing: string[] }>;
  batchUpsert(
    objectType: HubSpotObjectType,
    inputs: UpsertInput[],
  ): Promise<{
    results: { inputId: string; id: string; new: boolean }[];
    errors: { inputIds: string[]; message: string; category?: string; failureClass: FailureClass }[];
  }>;
  associateDefault(fromType: HubSpotObjectType, toType: HubSpotObjectType, pairs: { fromId: string; toId: string }[]): Promise<void>;
}
