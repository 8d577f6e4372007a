// Child process of the acceptance benchmark: a bare Fastify route and the real webhook route, side by side in one
// process, so that both are measured under the same conditions. Prints their URLs as one JSON line.
import Fastify from 'fastify';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../receiver/app';
import { loadConfig } from '../receiver/config';
import { createConnectionService } from '../receiver/connections/connection-service';
import { openLowdbStore } from '../receiver/store/lowdb-store';
import { createSecretBox } from '../receiver/store/secrets';

const dir = await mkdtemp(join(tmpdir(), 'bench-accept-'));
const bare = Fastify({ logger: false });
bare.post('/bare', async (request) => ({ status: 'queued', echo: typeof request.body }));
await bare.listen({ port: 0, host: '127.0.0.1' });

const config = loadConfig({ DATA_FILE: join(dir, 'state.json'), SECRET_KEY: 'b'.repeat(40), LOG_LEVEL: 'silent' });
const store = await openLowdbStore(config.dataFile);
const secrets = createSecretBox('b'.repeat(40));
const { server, services } = await buildApp({ config, store, secrets });
// The worker stays off: this measures acceptance (validate, dedupe, merge, durable write, answer) only.
await services.worker.stop();
await server.listen({ port: 0, host: '127.0.0.1' });
// No pretix to verify a token against here, so the connection is created without that check.
const connections = createConnectionService({ store, secrets, publicUrl: config.publicUrl, verifyPretixAccess: async () => undefined });
const connection = await connections.add({ portalId: '1', baseUrl: 'https://pretix.example', organizer: 'acmecorp', apiToken: 'x'.repeat(40) });
// Enabled directly in the store: the event service would register a webhook with a pretix that is not there.
await store.saveEventConfig({ connectionId: connection.id, event: 'democon', enabled: true, mappings: [], webhookId: null, updatedAt: new Date().toISOString() });

const address = (s: { server: { address(): unknown } }) => (s.server.address() as { port: number }).port;
process.stdout.write(`${JSON.stringify({ bare: `http://127.0.0.1:${address(bare)}/bare`, webhook: connection.webhookUrl.replace(config.publicUrl, `http://127.0.0.1:${address(server)}`) })}\n`);
