// Several receiver processes on one throwaway PostgreSQL behind the round-robin proxy, with the fakes of pretix and
// HubSpot: what compose.yaml runs, on loopback. PUBLIC_URL is the proxy's, so the webhook URL pretix calls and the
// admin API reach whichever instance is next; `instance(i)` addresses one directly.
import type { AdminClient } from '../../receiver/cli/admin-client';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import type { FakeHubSpot, FakeHubSpotOptions } from '../fakes/hubspot';
import type { FakePretix } from '../fakes/pretix';
import { freePort } from './free-port';
import { exampleMappingsBody } from './mappings';
import { adminClientFor, connectFakePretix, receiverEnv, startReceiverFakes } from './receiver-fakes';
import { startReceiverProcess, type ReceiverProcess } from './receiver-process';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy';
import { EVENT } from './stack';
import { tempDir } from './temp-dir';

export interface PostgresReceivers {
  pretix: FakePretix;
  hubspot: FakeHubSpot;
  proxy: RoundRobinProxy;
  /** The live instances' processes, by index (null once killed and not started again). */
  receivers: (ReceiverProcess | null)[];
  /** Admin API through the proxy (any instance). */
  admin: AdminClient;
  /** Admin API of one instance. */
  instance(index: number): AdminClient;
  connection: PublicConnection;
  eventPath: string;
  /** Kills one instance (SIGKILL unless told otherwise); the proxy finds out by itself (refused connections). */
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts instance `index` as a new process (one more, or again after kill): nothing in its memory. */
  start(index: number): Promise<void>;
  close(): Promise<void>;
}

export interface PostgresReceiversOptions {
  count: number;
  /** An empty database for them (createTestDatabase() in a test, a cluster of its own in a benchmark). */
  databaseUrl: string;
  hubspot?: FakeHubSpotOptions;
  env?: Record<string, string>;
}

export async function startPostgresReceivers(options: PostgresReceiversOptions): Promise<PostgresReceivers> {
  const { pretix, hubspot } = await startReceiverFakes({ hubspot: options.hubspot });
  const proxy = await startRoundRobinProxy([]);
  const dir = await tempDir();
  const envFor = async (index: number) => ({
    ...receiverEnv(hubspot, { port: await freePort(), dataFile: `${dir.path}/instance-${index}/state.json`, publicUrl: proxy.url }),
    DATABASE_URL: options.databaseUrl,
    ...options.env,
  });
  // One after the other: the first runs the migrations, the others find them done.
  const receivers: (ReceiverProcess | null)[] = [];
  for (let i = 0; i < options.count; i += 1) receivers.push(await startReceiverProcess(await envFor(i)));
  proxy.backends = receivers.map((receiver) => receiver!.url);
  const admin = adminClientFor(proxy.url);
  const connection = await connectFakePretix(admin, pretix);
  const eventPath = `/connections/${connection.id}/events/${EVENT}`;
  await admin.put(`${eventPath}/mappings?enable=true`, exampleMappingsBody());

  const result: PostgresReceivers = {
    pretix,
    hubspot,
    proxy,
    receivers,
    admin,
    instance: (index) => adminClientFor(receivers[index]!.url),
    connection,
    eventPath,
    async kill(index, signal = 'SIGKILL') {
      const receiver = receivers[index];
      if (!receiver) return;
      await receiver.kill(signal);
      receivers[index] = null;
    },
    async start(index) {
      if (receivers[index]) throw new Error(`instance ${index} is running`);
      receivers[index] = await startReceiverProcess(await envFor(index));
      proxy.backends = receivers.flatMap((receiver) => (receiver ? [receiver.url] : []));
    },
    async close() {
      await Promise.all(receivers.map((receiver) => receiver?.killAll()));
      await proxy.close();
      await Promise.all([pretix.close(), hubspot.close()]);
      await dir.remove();
    },
  };
  return result;
}
