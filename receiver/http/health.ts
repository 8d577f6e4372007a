// GET /healthz: 200 while the receiver can take webhooks, 503 with the reason while it cannot (the journal or the
// state file cannot be written: disk full, EIO, a read-only volume), so that a monitor sees what pretix sees. It
// recovers to 200 with the next write that succeeds. While shutting down, the intake gate answers 503 instead.
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/types';

export async function healthRoutes(app: FastifyInstance, deps: { store: Store; startedAt: number }): Promise<void> {
  app.get('/healthz', async (_request, reply) => {
    const queue = await deps.store.queueCounts();
    const storage = deps.store.health();
    return reply.code(storage.ok ? 200 : 503).send({
      status: storage.ok ? 'ok' : 'failing',
      ...(storage.ok ? {} : { reason: storage.reason }),
      store: { kind: storage.kind ?? 'lowdb', ok: storage.ok, reason: storage.ok ? null : storage.reason },
      uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
      queue: { pending: queue.pending, failed: queue.failed },
    });
  });
}
