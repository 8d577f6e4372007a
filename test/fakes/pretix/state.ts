// Everything the fake pretix knows (organizers, events, orders, tokens, webhooks) and the test-facing operations on
// it. The HTTP side lives in routes.ts; this module does no I/O except webhook delivery.
import { loadFixture } from '../../fixtures';
import {
  PENDING_MODIFIED_AFTER_MS,
  codeForSequence,
  type GenBatch,
  type GenerateOptions,
  statusWeights,
  summarize,
} from './generate';
import { counter, OrderStore } from './orders';
import { Traffic, type RateLimitConfig } from './traffic';
import type {
  EventData,
  FailureRule,
  Json,
  OrganizerStats,
  RecordedRequest,
  TokenGrant,
  WebhookCall,
  WebhookRecord,
} from './types';
import { runInLanes, type LaneOptions } from './lanes';
import { deliver, validateWebhookBody, webhookMatches, webhookTypeFor } from './webhooks';
import { HoldGate } from '../hold-gate';

export interface FakePretixOptions {
  /** pretix Hosted's per-organizer limit, e.g. `{ limit: 360, intervalMs: 60_000 }`; default unlimited (self-hosted). */
  rateLimit?: RateLimitConfig | null;
  /** Delay before every answer. */
  latencyMs?: number;
  /** Clock for `last_modified`, `X-Page-Generated` and the rate-limit window. */
  now?: () => number;
  /** Per webhook POST; pretix uses 30 s. */
  webhookTimeoutMs?: number;
  /** Origin (and path prefix) used in `next`/`previous` links instead of the request's Host, like a pretix whose
   * `[pretix] url` points elsewhere. */
  linkBaseUrl?: string | null;
  /** How many requests `requests` keeps (oldest dropped first); default 10,000. */
  maxRecordedRequests?: number;
}

export interface EventState extends EventData {
  orders: OrderStore;
}

export interface OrganizerState {
  slug: string;
  name: string;
  events: Map<string, EventState>;
  webhooks: WebhookRecord[];
}

interface Notification {
  organizer: string;
  event: string;
  payload: Json;
  webhookIds: number[];
}

export interface AddEventExtras {
  settings?: Json;
  items?: Json[];
  questions?: Json[];
  checkinLists?: Json[];
  subevents?: Json[];
}

export interface PlaceOrdersOptions extends LaneOptions {
  /** Default `pretix.event.order.placed`. */
  action?: string;
}

/** One order placed by placeOrders, and what its webhook delivery looked like. */
export interface PlacedOrder {
  code: string;
  /** When the order was written (its last_modified). */
  placedAt: number;
  notificationId: number;
  /** When the receiver first answered 2xx for it (null if it never did). */
  firstAckAt: number | null;
  calls: WebhookCall[];
}

export interface EmitResult {
  notificationId: number;
  /** The webhook type the action resolved to, or null when pretix would fire nothing for it. */
  webhookType: string | null;
  calls: WebhookCall[];
}

const DEFAULT_ITEM: Json = { id: 1, name: { en: 'Ticket' }, internal_name: '', default_price: '100.00', admission: true, has_variations: false, variations: [] };

export class PretixFakeState {
  readonly organizers = new Map<string, OrganizerState>();
  readonly tokens = new Map<string, TokenGrant>();
  readonly traffic: Traffic;
  readonly now: () => number;
  readonly failures: (FailureRule & { remaining: number })[] = [];
  readonly idempotency = new Map<string, { status: number; body: unknown }>();
  latencyMs: number;
  linkBaseUrl: string | null;
  webhookTimeoutMs: number;
  readonly maxRecordedRequests: number;
  private readonly recorded: RecordedRequest[] = [];
  private readonly calls: WebhookCall[] = [];
  private readonly notifications = new Map<number, Notification>();
  private nextNotificationId = 1;
  private nextWebhookId = 1;
  /** Fake-wide counters so that generated codes and position ids never repeat, across events too. */
  private codeSequence = 0;
  private nextPositionId = 500_000;
  private batchCount = 0;
  /** pretix's order primary keys: one sequence for the whole installation. */
  private readonly nextOrderPk = counter();

  constructor(options: FakePretixOptions = {}) {
    this.now = options.now ?? Date.now;
    this.traffic = new Traffic(this.now, options.rateLimit ?? null);
    this.latencyMs = options.latencyMs ?? 0;
    this.linkBaseUrl = options.linkBaseUrl ?? null;
    this.webhookTimeoutMs = options.webhookTimeoutMs ?? 30_000;
    this.maxRecordedRequests = options.maxRecordedRequests ?? 10_000;
  }

  // ----- organizers, events -----

  addOrganizer(slug: string, name = slug): OrganizerState {
    let organizer = this.organizers.get(slug);
    if (!organizer) {
      organizer = { slug, name, events: new Map(), webhooks: [] };
      this.organizers.set(slug, organizer);
    }
    return organizer;
  }

  /** Adds (or replaces) an event; unknown fields take pretix's defaults (name scheme `full`, locale `en`). */
  addEvent(organizer: string, event: Json & { slug: string }, extras: AddEventExtras = {}): void {
    const org = this.addOrganizer(organizer);
    const slug = event.slug;
    const eventJson: Json = {
      name: { en: slug },
      live: false,
      testmode: false,
      currency: 'EUR',
      date_from: '2025-05-20T07:00:00Z',
      date_to: null,
      has_subevents: false,
      timezone: 'UTC',
      public_url: `https://pretix.example/${organizer}/${slug}/`,
      ...structuredClone(event),
    };
    org.events.set(slug, {
      event: eventJson,
      settings: { locales: ['en'], locale: 'en', name_scheme: 'full', ...structuredClone(extras.settings ?? {}) },
      items: structuredClone(extras.items ?? []),
      questions: structuredClone(extras.questions ?? []),
      checkinLists: structuredClone(extras.checkinLists ?? []),
      subevents: structuredClone(extras.subevents ?? []),
      orders: org.events.get(slug)?.orders ?? new OrderStore(this.nextOrderPk),
    });
  }

  eventState(organizer: string, event: string): EventState {
    const state = this.organizers.get(organizer)?.events.get(event);
    if (!state) throw new Error(`fake pretix: no event ${organizer}/${event}`);
    return state;
  }

  /** Organizer `acmecorp`, event `democon` with the shared fixtures' event, products, questions, check-in list 44
   * and orders Q7X3M (paid) and R2D9K (pending). */
  seedFromFixtures(): { organizer: string; event: string } {
    const organizer = 'acmecorp';
    const event = loadFixture<Json & { slug: string }>('event.json');
    this.addOrganizer(organizer, 'ACME Corp');
    this.addEvent(organizer, event, {
      // The fixtures README: name scheme given_family, locales en/de, check-in list 44.
      settings: { locales: ['en', 'de'], locale: 'en', name_scheme: 'given_family', timezone: 'Europe/Berlin' },
      items: loadFixture<{ results: Json[] }>('items.json').results,
      questions: loadFixture<{ results: Json[] }>('questions.json').results,
      checkinLists: [
        { id: 44, name: 'Main entrance', all_products: true, limit_products: [], subevent: null, include_pending: false,
          allow_multiple_entries: false, allow_entry_after_exit: true, rules: {}, exit_all_at: null,
          addon_match: false, ignore_in_statistics: false, consider_tickets_used: true },
      ],
    });
    const orders = this.eventState(organizer, event.slug).orders;
    const paid = loadFixture<Json>('order-paid.json');
    for (const order of loadFixture<{ results: Json[] }>('orders-page.json').results) {
      if (!orders.has(String(order.code))) orders.addStored(order.code === paid.code ? paid : order);
    }
    return { organizer, event: event.slug };
  }

  // ----- orders -----

  addOrder(organizer: string, event: string, order: Json): Json {
    const copy = structuredClone(order);
    copy.event ??= event;
    this.eventState(organizer, event).orders.addStored(copy);
    return structuredClone(copy);
  }

  /** Changes an order like a pretix write would, and bumps `last_modified`. `mutate` may change the copy in place
   * or return a replacement. Returns the new order. */
  updateOrder(organizer: string, event: string, code: string, mutate: (order: Json) => Json | void): Json {
    const orders = this.eventState(organizer, event).orders;
    const current = orders.get(code);
    if (!current) throw new Error(`fake pretix: no order ${code} in ${organizer}/${event}`);
    const draft = structuredClone(current);
    const next = mutate(draft) ?? draft;
    orders.replace(code, next, this.now());
    return structuredClone(next);
  }

  /**
   * Checks a ticket in the way pretix's check-in API does: a check-in on the position (entry, at `datetime`), the order
   * touched, and the `pretix.event.checkin` webhook with the position and list (pretix sends no time in it).
   */
  async checkIn(organizer: string, event: string, code: string, positionId: number, list: number, datetime: string): Promise<EmitResult> {
    let positionid = 0;
    this.updateOrder(organizer, event, code, (order) => {
      const position = (order.positions as Json[]).find((p) => p.id === positionId);
      if (!position) throw new Error(`fake pretix: no position ${positionId} in ${code}`);
      positionid = position.positionid as number;
      const checkins = (position.checkins as Json[] | undefined) ?? [];
      position.checkins = [...checkins, { id: this.nextPositionId++, list, datetime, type: 'entry', gate: null, device: null, device_id: null, auto_checked_in: false }];
    });
    return this.emit(organizer, event, code, 'pretix.event.checkin', { orderposition_id: positionId, orderposition_positionid: positionid, checkin_list: list, type: 'entry', first_checkin: null });
  }

  /** Reverts a position's check-ins on a list (pretix's backend "revert"), with its webhook. */
  async revertCheckIn(organizer: string, event: string, code: string, positionId: number, list: number): Promise<EmitResult> {
    this.updateOrder(organizer, event, code, (order) => {
      const position = (order.positions as Json[]).find((p) => p.id === positionId)!;
      position.checkins = ((position.checkins as Json[] | undefined) ?? []).filter((c) => c.list !== list);
    });
    return this.emit(organizer, event, code, 'pretix.event.checkin.reverted', { orderposition_id: positionId, checkin_list: list });
  }

  getOrder(organizer: string, event: string, code: string): Json | undefined {
    const order = this.eventState(organizer, event).orders.get(code);
    return order && structuredClone(order);
  }

  orderCount(organizer: string, event: string): number {
    return this.eventState(organizer, event).orders.size;
  }

  /** Adds `n` realistic orders (see GenerateOptions); returns their codes. */
  generateOrders(organizer: string, event: string, n: number, options: GenerateOptions = {}): string[] {
    const state = this.eventState(organizer, event);
    const newest = state.orders.newestDatetimeMs();
    const spacingMs = options.spacingMs ?? 60_000;
    const startMs =
      options.startDate !== undefined
        ? new Date(options.startDate).getTime()
        : newest !== null
          ? newest + spacingMs
          : Date.parse('2025-02-01T08:00:00Z');
    this.batchCount += 1;
    const batch: GenBatch = {
      seed: options.seed ?? this.batchCount,
      organizer,
      event,
      nameScheme: String(state.settings.name_scheme ?? 'full'),
      currency: String(state.event.currency ?? 'EUR'),
      publicUrl: String(state.event.public_url ?? `https://pretix.example/${organizer}/${event}/`),
      startMs,
      spacingMs,
      statusWeights: statusWeights(options.status),
      testmodeRate: options.testmodeRate ?? 0,
      secondPositionRate: options.secondPositionRate ?? 0.3,
      canceledPositionRate: options.canceledPositionRate ?? 0.1,
      positionIdBase: this.nextPositionId,
      items: state.items.length > 0 ? state.items : [DEFAULT_ITEM],
      questions: state.questions,
    };
    this.nextPositionId += n * 2;
    const codes: string[] = [];
    for (let index = 0; index < n; index += 1) {
      let sequence = this.codeSequence++;
      // A hand-added order may already use the code this sequence number maps to.
      while (state.orders.has(codeForSequence(sequence))) sequence = this.codeSequence++;
      const summary = summarize(batch, index, sequence);
      state.orders.addGenerated(batch, index, sequence, summary);
      codes.push(summary.code);
    }
    return codes;
  }

  // ----- tokens -----

  addToken(token: string, grant: TokenGrant): void {
    this.addOrganizer(grant.organizer);
    this.tokens.set(token, structuredClone(grant));
  }

  revokeToken(token: string): void {
    this.tokens.delete(token);
  }

  // ----- webhooks -----

  /** Registers a webhook without going through the API (same validation); throws on invalid input. */
  addWebhook(organizer: string, body: Json): WebhookRecord {
    const org = this.addOrganizer(organizer);
    const result = validateWebhookBody(body, undefined, false, new Set(org.events.keys()));
    if (!result.ok) throw new Error(`fake pretix: invalid webhook: ${JSON.stringify(result.errors)}`);
    return structuredClone(this.createWebhook(org, result.value));
  }

  createWebhook(org: OrganizerState, value: Omit<WebhookRecord, 'id'>): WebhookRecord {
    const record = { id: this.nextWebhookId++, ...value };
    org.webhooks.push(record);
    return record;
  }

  webhooks(organizer: string): WebhookRecord[] {
    return structuredClone(this.organizers.get(organizer)?.webhooks ?? []);
  }

  /** Every webhook POST made so far, retries included, in order. */
  get webhookCalls(): readonly WebhookCall[] {
    return this.calls;
  }

  /**
   * Logs an action for an order and delivers it like pretix without a task broker: synchronously, to every enabled
   * webhook of the organizer that listens to the action's webhook type and covers the event. `extra` adds keys to
   * the payload (check-in actions carry `orderposition_id`, `checkin_list`, …).
   */
  async emit(organizer: string, event: string, code: string, action: string, extra: Json = {}): Promise<EmitResult> {
    const notificationId = this.nextNotificationId++;
    const payload: Json = { notification_id: notificationId, organizer, event, code, action, ...extra };
    const webhookType = webhookTypeFor(action);
    const targets = webhookType
      ? (this.organizers.get(organizer)?.webhooks ?? []).filter((w) => webhookMatches(w, webhookType, event))
      : [];
    this.notifications.set(notificationId, { organizer, event, payload, webhookIds: targets.map((w) => w.id) });
    const calls = await this.sendAll(targets, notificationId, payload, false);
    return { notificationId, webhookType, calls };
  }

  /**
   * Places `count` new orders in `event` the way buyers do while pretix delivers webhooks: each order is written
   * (last_modified = now) just before its `order.placed` notification is sent, over `lanes` delivery lanes, paced or
   * back to back (see lanes.ts). Resolves when every delivery is finished, with each order's first 2xx time.
   */
  async placeOrders(organizer: string, event: string, count: number, options: PlaceOrdersOptions = {}): Promise<PlacedOrder[]> {
    const placed: PlacedOrder[] = new Array(count);
    await runInLanes(count, options, async (index) => {
      const placedAt = this.now();
      // A new pending order: created a moment ago, last touched now.
      const [code] = this.generateOrders(organizer, event, 1, { startDate: new Date(placedAt - PENDING_MODIFIED_AFTER_MS), spacingMs: 0, status: 'n' });
      const result = await this.emit(organizer, event, code!, options.action ?? 'pretix.event.order.placed');
      const ack = result.calls.find((c) => c.status >= 200 && c.status < 300);
      placed[index] = { code: code!, placedAt, notificationId: result.notificationId, firstAckAt: ack?.answeredAt ?? null, calls: result.calls };
    });
    return placed;
  }

  /**
   * Creates an event as pretix's event API does: the event exists, then `pretix.event.added` is delivered
   * (`{notification_id, organizer, event, action}`, no order code) to the enabled webhooks listening to it. pretix
   * filters event-level notifications by event like order ones, so only `all_events` webhooks can cover a new event.
   */
  async createEvent(organizer: string, event: Json & { slug: string }, extras: AddEventExtras = {}): Promise<EmitResult> {
    if (this.organizers.get(organizer)?.events.has(event.slug)) throw new Error(`fake pretix: event ${organizer}/${event.slug} exists`);
    this.addEvent(organizer, event, extras);
    return this.emitEventAction(organizer, event.slug, 'pretix.event.added');
  }

  /** Logs an event-level action (`pretix.event.added`, `.changed`, …) and delivers it like emit() does. */
  async emitEventAction(organizer: string, event: string, action: string): Promise<EmitResult> {
    const notificationId = this.nextNotificationId++;
    const payload: Json = { notification_id: notificationId, organizer, event, action };
    const webhookType = webhookTypeFor(action);
    const targets = webhookType ? (this.organizers.get(organizer)?.webhooks ?? []).filter((w) => webhookMatches(w, webhookType, event)) : [];
    this.notifications.set(notificationId, { organizer, event, payload, webhookIds: targets.map((w) => w.id) });
    const calls = await this.sendAll(targets, notificationId, payload, false);
    return { notificationId, webhookType, calls };
  }

  /**
   * Changes an event's details as pretix's event API (PATCH) does, then delivers `pretix.event.changed` (filtered by
   * event like order notifications: the logentry belongs to the event).
   */
  async changeEvent(organizer: string, event: string, patch: Json): Promise<EmitResult> {
    Object.assign(this.eventState(organizer, event).event, structuredClone(patch));
    return this.emitEventAction(organizer, event, 'pretix.event.changed');
  }

  /**
   * Deletes an event as pretix does: refused while it has orders (pretix's `allow_delete`); the log entry is the
   * organizer's, so `pretix.event.deleted` reaches every webhook listening to it, whichever events it is limited to.
   * Deleted through the backend the payload names the slug; through the REST API pretix 2026.8 logs no slug and the
   * payload's `event` is null.
   */
  async deleteEvent(organizer: string, event: string, options: { via?: 'api' | 'backend' } = {}): Promise<EmitResult> {
    const org = this.organizers.get(organizer);
    if (this.eventState(organizer, event).orders.size > 0) throw new Error(`fake pretix: event ${organizer}/${event} has orders and cannot be deleted`);
    org!.events.delete(event);
    const notificationId = this.nextNotificationId++;
    const payload: Json = { notification_id: notificationId, organizer, event: options.via === 'api' ? null : event, action: 'pretix.event.deleted' };
    const targets = org!.webhooks.filter((w) => w.enabled && w.action_types.includes('pretix.event.deleted'));
    this.notifications.set(notificationId, { organizer, event, payload, webhookIds: targets.map((w) => w.id) });
    const calls = await this.sendAll(targets, notificationId, payload, false);
    return { notificationId, webhookType: 'pretix.event.deleted', calls };
  }

  /** Adds a date to an event series (pretix's subevent API), with `pretix.subevent.added`. */
  async addSubEvent(organizer: string, event: string, subevent: Json & { id: number }): Promise<EmitResult> {
    this.eventState(organizer, event).subevents.push(structuredClone(subevent));
    return this.emitSubEventAction(organizer, event, subevent.id, 'pretix.subevent.added');
  }

  /** Changes a date (name, dates, `active: false` to cancel it), with `pretix.subevent.changed`. */
  async changeSubEvent(organizer: string, event: string, id: number, patch: Json): Promise<EmitResult> {
    const subevent = this.eventState(organizer, event).subevents.find((s) => s.id === id);
    if (!subevent) throw new Error(`fake pretix: no subevent ${id} in ${organizer}/${event}`);
    Object.assign(subevent, structuredClone(patch));
    return this.emitSubEventAction(organizer, event, id, 'pretix.subevent.changed');
  }

  /** Deletes a date, with `pretix.subevent.deleted` (the fake does not check pretix's "no orders yet" rule). */
  async deleteSubEvent(organizer: string, event: string, id: number): Promise<EmitResult> {
    const state = this.eventState(organizer, event);
    state.subevents = state.subevents.filter((s) => s.id !== id);
    return this.emitSubEventAction(organizer, event, id, 'pretix.subevent.deleted');
  }

  /** pretix's ParametrizedSubEventWebhookEvent: `{notification_id, organizer, event, subevent, action}`, by event. */
  private async emitSubEventAction(organizer: string, event: string, subevent: number, action: string): Promise<EmitResult> {
    const notificationId = this.nextNotificationId++;
    const payload: Json = { notification_id: notificationId, organizer, event, subevent, action };
    const targets = (this.organizers.get(organizer)?.webhooks ?? []).filter((w) => webhookMatches(w, action, event));
    this.notifications.set(notificationId, { organizer, event, payload, webhookIds: targets.map((w) => w.id) });
    const calls = await this.sendAll(targets, notificationId, payload, false);
    return { notificationId, webhookType: action, calls };
  }

  /** Sends a notification again (pretix's manual re-send; also how a duplicate delivery looks to the receiver). */
  async redeliver(notificationId: number): Promise<WebhookCall[]> {
    const notification = this.notifications.get(notificationId);
    if (!notification) throw new Error(`fake pretix: no notification ${notificationId}`);
    const targets = (this.organizers.get(notification.organizer)?.webhooks ?? []).filter(
      (w) => w.enabled && notification.webhookIds.includes(w.id),
    );
    return this.sendAll(targets, notificationId, notification.payload, true);
  }

  private async sendAll(targets: WebhookRecord[], notificationId: number, payload: Json, redelivery: boolean) {
    const calls: WebhookCall[] = [];
    // One after the other, as pretix's eager task queue does.
    for (const webhook of targets) {
      await deliver(webhook, notificationId, payload, {
        timeoutMs: this.webhookTimeoutMs,
        redelivery,
        record: (call) => {
          calls.push(call);
          this.calls.push(call);
        },
      });
    }
    return calls;
  }

  // ----- traffic, faults -----

  setRateLimit(rateLimit: RateLimitConfig | null): void {
    this.traffic.rateLimit = rateLimit;
  }

  stats(organizer: string): OrganizerStats {
    return this.traffic.stats(organizer);
  }

  /** Most requests sent for `organizer` within any window (default: the rate-limit window, else 60 s). */
  maxRequestsInAnyWindow(organizer: string, windowMs = this.traffic.rateLimit?.intervalMs ?? 60_000): number {
    return this.traffic.maxRequestsInAnyWindow(organizer, windowMs);
  }

  resetStats(): void {
    this.traffic.reset();
    this.recorded.length = 0;
  }

  /** While set, API requests wait for it before they are handled (see hold()). */
  readonly gate = new HoldGate();

  /**
   * Holds every API request that arrives from now on until the returned function is called: "pretix is still
   * working on it" as a fact of the test rather than a guess at how long a latency lasts.
   */
  hold(): () => void {
    return this.gate.hold();
  }

  /** The next `count` matching requests fail with `status` (before authentication, like a proxy or a crash). */
  failNext(rule: FailureRule): void {
    this.failures.push({ ...rule, remaining: rule.count ?? 1 });
  }

  record(request: RecordedRequest): void {
    this.recorded.push(request);
    // Trimmed in chunks: dropping one entry per request would copy the whole array every time.
    if (this.recorded.length >= 2 * this.maxRecordedRequests) this.recorded.splice(0, this.recorded.length - this.maxRecordedRequests);
  }

  /** Recent requests, oldest first (at least the last maxRecordedRequests). */
  get requests(): readonly RecordedRequest[] {
    return this.recorded;
  }
}
