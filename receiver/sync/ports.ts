// What the sync engine needs from the outside world, as narrow interfaces. The real pretix and HubSpot clients
// satisfy them structurally; tests can too.
import type {
  PretixCheckinList,
  PretixEvent,
  PretixEventSettings,
  PretixItem,
  PretixOrder,
  PretixQuestion,
} from '../pretix/schemas';
import type { FailureClass } from './errors';
import type { HubSpotObjectType } from './mapping-schema';

export interface OrdersPage {
  orders: PretixOrder[];
  page: number;
  pageGenerated: string | null;
  hasNext: boolean;
  count: number;
}

export interface PretixClientLike {
  getEvent(event: string): Promise<PretixEvent>;
  getEventSettings(event: string): Promise<PretixEventSettings>;
  listItems(event: string): Promise<PretixItem[]>;
  listQuestions(event: string): Promise<PretixQuestion[]>;
  listCheckinLists(event: string): Promise<PretixCheckinList[]>;
  getOrder(event: string, code: string): Promise<PretixOrder | null>;
  listOrders(event: string, options?: { modifiedSince?: string; ordering?: string; startPage?: number }): AsyncIterable<OrdersPage>;
}

export interface CrmObjectRef {
  id: string;
  properties: Record<string, string | null>;
}

export interface UpsertInput {
  idProperty: string;
  id: string;
  properties: Record<string, string>;
}

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
