// The stack with the receiver as a real process, for tests that kill it: fake pretix and fake HubSpot here, the
// receiver spawned with an environment that points at them, a connection and the example mappings in place.
import { cp } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AdminClient } from '../../receiver/cli/admin-client';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { openLowdbStore } from '../../receiver/store/lowdb-store';
import type { Store } from '../../receiver/store/types';
import type { FakeHubSpot, FakeHubSpotOptions } from '../fakes/hubspot';
import type { FakePretix } from '../fakes/pretix';
import { exampleMappingsBody } from './mappings';
import { freePort } from './free-port';
import { adminClientFor, connectFakePretix, receiverEnv, startReceiverFakes } from './receiver-fakes';
import { startReceiverProcess, type ReceiverProcess, type ReceiverProcessOptions } from './receiver-process';
import { EVENT } from './stack';
import { tempDir } from './temp-dir';

export interface ProcessStack {
  pretix: FakePretix;
  hubspot: FakeHubSpot;
  receiver: ReceiverProcess;
  /** The receiver's environment (DATA_FILE, PORT, ...), to start another process on the same data. */
  env: Record<string, string>;
  admin: AdminClient;
  connection: PublicConnection;
  /** Admin API path of the example event. */
  eventPath: string;
  /** Kills the receiver (SIGKILL unless told otherwise) and starts it again on the same data. */
  restart(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the receiver again on the same data, after it has exited by itself. */
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Opens a copy of the receiver's data files as a store: what a restart would find on disk, read without touching
   * the receiver's own files (opening a store may checkpoint). Use while the receiver is stopped. */
  openDataCopy(): Promise<{ store: Store; close(): Promise<void> }>;
  close(): Promise<void>;
}

export interface ProcessStackOptions extends ReceiverProcessOptions {
  hubspot?: FakeHubSpotOptions;
  /** More environment for the receiver (e.g. SHUTDOWN_TIMEOUT). */
  env?: Record<string, string>;
}

export async function startProcessStack(options: ProcessStackOptions = {}): Promise<ProcessStack> {
  const { pretix, hubspot } = await startReceiverFakes({ hubspot: options.hubspot });
  const dir = await tempDir();
  const dataFile = `${dir.path}/state.json`;
  const env = { ...receiverEnv(hubspot, { port: await freePort(), dataFile }), ...options.env };
  const launch = () => startReceiverProcess(env, { via: options.via });
  let receiver = await launch();
  const admin = adminClientFor(receiver.url);
  const connection = await connectFakePretix(admin, pretix);
  const eventPath = `/connections/${connection.id}/events/${EVENT}`;
  await admin.put(`${eventPath}/mappings?enable=true`, exampleMappingsBody());

  const stack: ProcessStack = {
    pretix,
    hubspot,
    receiver,
    env,
    admin,
    connection,
    eventPath,
    async kill(signal = 'SIGKILL') {
      await stack.receiver.kill(signal);
    },
    async openDataCopy() {
      const copy = await tempDir();
      await cp(dir.path, copy.path, { recursive: true });
      const store = await openLowdbStore(join(copy.path, basename(env.DATA_FILE ?? dataFile)));
      return {
        store,
        async close() {
          await store.close();
          await copy.remove();
        },
      };
    },
    async restart(signal = 'SIGKILL') {
      await stack.receiver.kill(signal);
      await stack.start();
    },
    async start() {
      receiver = await launch();
      stack.receiver = receiver;
      stack.admin = adminClientFor(receiver.url);
    },
    async close() {
      await stack.receiver.killAll();
      await Promise.all([pretix.close(), hubspot.close()]);
      await dir.remove();
    },
  };
  return stack;
}
