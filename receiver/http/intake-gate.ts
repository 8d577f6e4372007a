// While the receiver shuts down, every request is answered 503 with Retry-After before anything is read or stored:
// pretix retries a webhook delivery after any non-2xx (we never answer 410, which would disable the webhook),
// HubSpot retries its webhooks, and a load balancer watching /healthz takes the instance out of rotation.
import type { FastifyInstance } from 'fastify';

/** pretix and HubSpot retry on their own schedules; this is the hint for everyone else (a restart takes seconds). */
export const SHUTTING_DOWN_RETRY_AFTER_SECONDS = 10;

export class IntakeGate {
  private open = true;

  get isOpen(): boolean {
    return this.open;
  }

  /** From now on every request is refused with 503. */
  close(): void {
    this.open = false;
  }
}

/** Register before the routes, so that the hook guards every one of them. */
export function registerIntakeGate(app: FastifyInstance, gate: IntakeGate): void {
  app.addHook('onRequest', async (_request, reply) => {
    if (gate.isOpen) return;
    // `connection: close` so that keep-alive clients go elsewhere rather than queue on a closing server.
    return reply
      .code(503)
      .header('retry-after', String(SHUTTING_DOWN_RETRY_AFTER_SECONDS))
      .header('connection', 'close')
      .send({ error: 'shutting_down', message: 'The receiver is shutting down; nothing was stored. Retry shortly.' });
  });
}
