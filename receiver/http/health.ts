// GET /healthz: 200 while the receiver can take webhooks, 503 with the reason while it cannot (the journal or the
// state file cannot be written: disk full, EIO, a read-only volume), so that a monitor sees what pretix sees. It
// recovers to 200 with the next write that succeeds. While shutting down, the intake gate answers 503 instead.
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/types';

export async function healthRoutes(app: FastifyInstance, deps: { store: Store; startedAt: number }): Promise<void> {
  app.get('/healthz', async (_request, reply) => {
    // A database that cannot be reached fails this read: that is an answer for the monitor (503), not a crash.
    const queue = await deps.store.queueCounts().catch(() => null);
    const reported = deps.store.health();
    const storage = queue === null && reported.ok ? { ok: false as const, kind: reported.kind, reason: 'the store cannot be read' } : reported;
    return reply.code(storage.ok ? 200 : 503).send({
      status: storage.ok ? 'ok' : 'failing',
      ...(storage.ok ? {} : { reason: storage.reason }),
      store: { kind: storage.kind ?? 'lowdb', ok: storage.ok, reason: storage.ok ? null : storage.reason },
      uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
      queue: queue === null ? null : { pending: queue.pending, failed: queue.failed },
    });
  });
}
