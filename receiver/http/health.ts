import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/types';

export async function healthRoutes(app: FastifyInstance, deps: { store: Store; startedAt: number }): Promise<void> {
  app.get('/healthz', async () => {
    const queue = deps.store.queueCounts();
    return { status: 'ok', uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000), queue: { pending: queue.pending, failed: queue.failed } };
  });
}
