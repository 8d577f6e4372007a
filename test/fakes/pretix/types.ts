// Shapes shared by the pieces of the fake pretix. JSON objects are kept loose (`Json`), like pretix itself adds
// fields at any time; the fake only reads the keys it needs to filter, sort and match.

export type Json = Record<string, unknown>;

/** Team permissions that the fake checks (pretix's `event.orders:read`, `event.orders:write`,
 * `organizer.settings.general:write`). */
export interface TokenPermissions {
  ordersRead?: boolean;
  ordersWrite?: boolean;
  organizerSettingsWrite?: boolean;
  /** `organizer.events:create` */
  eventsCreate?: boolean;
}

export interface TokenGrant {
  organizer: string;
  permissions: TokenPermissions;
  /** Event slugs the team may see; omitted = all events of the organizer (pretix's `all_events`). */
  events?: string[];
}

export type RouteKind = 'orderDetail' | 'orderList' | 'other';

export interface EventData {
  event: Json;
  settings: Json;
  items: Json[];
  questions: Json[];
  checkinLists: Json[];
}

export interface WebhookRecord {
  id: number;
  enabled: boolean;
  target_url: string;
  all_events: boolean;
  limit_events: string[];
  action_types: string[];
  comment: string | null;
}

export interface WebhookCall {
  webhookId: number;
  notificationId: number;
  url: string;
  payload: Json;
  /** HTTP status, or 0 when the request failed (network error, timeout), as pretix logs it. */
  status: number;
  error?: string;
  /** 1 for the first POST, up to 4 with pretix's three immediate retries. */
  attempt: number;
  redelivery: boolean;
  durationMs: number;
  /** When the answer (or the failure) arrived, ms since epoch. */
  answeredAt: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  status: number;
  kind: RouteKind;
  organizer?: string;
  authorization?: string;
  accept?: string;
}

export interface FailureRule {
  /** How many matching requests fail (default 1). */
  count?: number;
  /** HTTP status to answer, or `reset` (drop the connection) or `hang` (never answer; the client must time out). */
  status?: number | 'reset' | 'hang';
  /** Sent as `Retry-After` (seconds), e.g. with 429 or 503. */
  retryAfterSeconds?: number;
  /** Response body; default `{"detail": "…"}` like pretix/nginx. */
  body?: unknown;
  /** Restrict the rule to one route kind or to request paths matching a pattern. */
  match?: RouteKind | RegExp;
}

export interface OrganizerStats {
  total: number;
  orderDetail: number;
  orderList: number;
  other: number;
  throttled: number;
}
