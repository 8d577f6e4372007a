// A stateful fake of pretix's REST API and webhook sender on a real loopback HTTP server, for tests and benchmarks.
// It follows reference/pretix.md: Token auth, 403 for unknown organizers/events, pages of at most 50 with absolute
// `next` links, X-Page-Generated and modified_since, the webhook API's validation, eager webhook delivery with three
// immediate retries and 410 disabling, and pretix Hosted's per-organizer rate limit (429 + Retry-After).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleRequest } from './pretix/routes';
import { type FakePretixOptions, PretixFakeState } from './pretix/state';

export type { GenerateOptions, OrderStatus } from './pretix/generate';
export type { AddEventExtras, EmitResult, FakePretixOptions, PlacedOrder, PlaceOrdersOptions } from './pretix/state';
export type {
  FailureRule,
  Json,
  OrganizerStats,
  RecordedRequest,
  RouteKind,
  TokenGrant,
  TokenPermissions,
  WebhookCall,
  WebhookRecord,
} from './pretix/types';
export { REGISTERED_ACTION_TYPES, webhookTypeFor } from './pretix/webhooks';
export { startWebhookListener, type ReceivedWebhook, type WebhookListener } from './pretix/listener';

export class FakePretix extends PretixFakeState {
  /** e.g. `http://127.0.0.1:41234`: what a client takes as pretix's base URL (the API is under /api/v1/). */
  url = '';
  private server: Server | undefined;

  /** @internal use startFakePretix */
  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      void handleRequest(this, req, res);
    });
    // No idle keep-alive sockets left behind to delay close().
    server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Hanging requests (failNext 'hang') and keep-alive sockets would otherwise keep close() waiting.
    server.closeAllConnections();
    await closed;
  }
}

export async function startFakePretix(options: FakePretixOptions = {}): Promise<FakePretix> {
  const fake = new FakePretix(options);
  await fake.listen();
  return fake;
}
