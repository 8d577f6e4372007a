// Adding and listing a portal's pretix connections. The API token is checked against pretix before anything is
// stored, and stored only sealed. Removing one is the event service's job (it takes the pretix webhook out first);
// an event's mappings belong to the event configuration service.
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../lib/service-error';
import { randomToken, type SecretBox } from '../store/secrets';
import type { Connection, Store } from '../store/types';
import { effectiveMappings } from './effective-mappings';

export interface ConnectionInput {
  portalId: string;
  baseUrl: string;
  organizer: string;
  apiToken: string;
}

export interface PublicConnection {
  id: string;
  portalId: string;
  baseUrl: string;
  organizer: string;
  createdAt: string;
  webhookUrl: string;
  /** "Sync every event of this organizer", and the set the events it enables sync with (null: default mappings). */
  syncAllEvents: boolean;
  defaultMappingSetId: string | null;
  events: { event: string; enabled: boolean; autoEnabled?: boolean; mappings: number; webhookId: number | null }[];
}

export interface ConnectionServiceDeps {
  store: Store;
  secrets: SecretBox;
  publicUrl: string;
  /** Throws a PretixConnectionError with a message for people when the token does not work. */
  verifyPretixAccess(input: { baseUrl: string; organizer: string; apiToken: string }): Promise<void>;
  now?: () => Date;
}

/** A portal connects each pretix organizer once: a second connection would sync every order twice. */
export class DuplicateConnectionError extends ServiceError {
  constructor(input: ConnectionInput) {
    super(409, 'connection_exists', `Organizer ${input.organizer} on ${input.baseUrl} is already connected.`);
  }
}

export function createConnectionService(deps: ConnectionServiceDeps) {
  const now = deps.now ?? (() => new Date());

  // Adds whose connection is being saved: the store shows a connection only once it is on disk, so a second add
  // of the same organizer during that write must be caught here.
  const saving = new Set<string>();
  const identity = (input: ConnectionInput) => `${input.portalId} ${input.baseUrl} ${input.organizer.toLowerCase()}`;
  const refuseDuplicate = async (input: ConnectionInput) => {
    const organizer = input.organizer.toLowerCase();
    const existing = (await deps.store.listConnections(input.portalId)).find((c) => c.baseUrl === input.baseUrl && c.organizer.toLowerCase() === organizer);
    if (existing) throw new DuplicateConnectionError(input);
  };

  const webhookUrl = (connection: Connection) =>
    `${deps.publicUrl}/webhooks/pretix/${deps.secrets.decrypt(connection.webhookTokenSealed)}`;

  const toPublic = async (connection: Connection): Promise<PublicConnection> => ({
    id: connection.id,
    portalId: connection.portalId,
    baseUrl: connection.baseUrl,
    organizer: connection.organizer,
    createdAt: connection.createdAt,
    webhookUrl: webhookUrl(connection),
    syncAllEvents: connection.syncAllEvents === true,
    defaultMappingSetId: connection.defaultMappingSetId ?? null,
    events: await Promise.all(
      (await deps.store.listEventConfigs(connection.id)).map(async (e) => ({
        event: e.event,
        enabled: e.enabled,
        ...(e.autoEnabled ? { autoEnabled: true } : {}),
        mappings: (await effectiveMappings(deps.store, e)).length,
        webhookId: e.webhookId ?? null,
      })),
    ),
  });

  return {
    toPublic,
    webhookUrl,

    async add(input: ConnectionInput): Promise<PublicConnection> {
      if (saving.has(identity(input))) throw new DuplicateConnectionError(input);
      await refuseDuplicate(input);
      await deps.verifyPretixAccess(input);
      // Checked again: the same organizer may have been added (a double click) while pretix was being asked. The
      // in-memory mark is taken before the store is read, so that two adds reading at once cannot both pass.
      if (saving.has(identity(input))) throw new DuplicateConnectionError(input);
      const token = randomToken();
      const connection: Connection = {
        id: randomUUID(),
        portalId: input.portalId,
        baseUrl: input.baseUrl,
        organizer: input.organizer,
        apiTokenSealed: deps.secrets.encrypt(input.apiToken),
        webhookTokenFingerprint: deps.secrets.fingerprint(token),
        webhookTokenSealed: deps.secrets.encrypt(token),
        createdAt: now().toISOString(),
      };
      saving.add(identity(input));
      try {
        await refuseDuplicate(input);
        await deps.store.saveConnection(connection);
      } finally {
        saving.delete(identity(input));
      }
      return toPublic(connection);
    },

    async list(portalId?: string): Promise<PublicConnection[]> {
      return Promise.all((await deps.store.listConnections(portalId)).map(toPublic));
    },
  };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;
