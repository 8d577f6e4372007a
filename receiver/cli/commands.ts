// The commands of `pretix-hubspot`. Each has its own usage text; output is plain text for people.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { EventSummary } from '../../src/app/shared/api-types';
import type { PublicConnection } from '../connections/connection-service';
import type { ConnectionRemoval } from '../connections/event-service';
import type { PublicInstallation } from '../hubspot/installations';
import type { EventConfig, QueueCounts, SyncJob } from '../store/types';
import { eventSlugSchema, orderCodeSchema } from '../domain/pretix-identifiers';
import { mappingSetIdSchema, type MappingSetSummary, type SavedMappingSet } from '../connections/mapping-set-service';
import { ORDER_ACTIONS } from '../pretix/webhook-actions';
import type { BackfillProgressView } from '../sync/backfill';
import { describeBacklog, describeLag, type PortalSyncHealth } from '../sync/sync-health';
import { describeFieldPath, type AdminClient } from './admin-client';
import { createProgressReporter } from './progress';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>;
  run(client: AdminClient, values: Record<string, string | boolean | undefined>, positionals: string[], out: (line: string) => void): Promise<void>;
}

export class UsageError extends Error {}

/** Connection ids are UUIDs; anything else would only make a confusing 404 (or a path step). */
const connectionIdSchema = z.string().trim().uuid('is not a connection id (a UUID, see `connection list`)');

function need(values: Record<string, string | boolean | undefined>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** A value that goes into an admin API path, checked here so that `--event ..` cannot become a path step. */
function needChecked(values: Record<string, string | boolean | undefined>, name: string, schema: z.ZodType<string>): string {
  const result = schema.safeParse(need(values, name));
  if (!result.success) throw new UsageError(`--${name} ${result.error.issues[0]?.message ?? 'is not valid'}`);
  return result.data;
}

const eventPath = (values: Record<string, string | boolean | undefined>) =>
  `/connections/${encodeURIComponent(needChecked(values, 'connection', connectionIdSchema))}/events/${encodeURIComponent(needChecked(values, 'event', eventSlugSchema))}`;

const connectionPath = (values: Record<string, string | boolean | undefined>) =>
  `/connections/${encodeURIComponent(needChecked(values, 'connection', connectionIdSchema))}`;

const setPath = (values: Record<string, string | boolean | undefined>) =>
  `${connectionPath(values)}/mapping-sets/${encodeURIComponent(needChecked(values, 'set', mappingSetIdSchema))}`;

/** `--event a,b,c`: several events at once, each checked like a single one. */
function eventList(values: Record<string, string | boolean | undefined>): string[] {
  const slugs = need(values, 'event').split(',').map((slug) => slug.trim()).filter(Boolean);
  return slugs.map((slug) => {
    const result = eventSlugSchema.safeParse(slug);
    if (!result.success) throw new UsageError(`--event ${slug}: ${result.error.issues[0]?.message ?? 'is not valid'}`);
    return result.data;
  });
}

function printSavedSet(saved: SavedMappingSet, values: Record<string, string | boolean | undefined>, out: (line: string) => void) {
  out(`Saved mapping set ${saved.set.id} ("${saved.set.name}", ${saved.set.mappings.length} mapping(s)), used by ${saved.events.length} event(s).`);
  for (const [path, warning] of Object.entries(saved.warnings)) out(`  warning: ${describeFieldPath(path)}: ${warning}`);
  const { resync } = saved;
  if (resync.started.length > 0) {
    out(`Re-syncing existing orders of ${resync.started.length} event(s) (mappings ${resync.changedMappingIds.join(', ')}) in the background; follow with \`pretix-hubspot backfill status --connection ${values.connection} --event <slug>\`.`);
  }
  for (const { event, reason } of resync.notStarted) out(`  not re-synced: ${event}: ${reason}`);
}

function printConnection(c: PublicConnection, out: (line: string) => void) {
  out(`${c.id}  portal ${c.portalId}  ${c.baseUrl}  organizer ${c.organizer}`);
  out(`  webhook URL (register in pretix, organizer settings → Webhooks): ${c.webhookUrl}`);
  if (c.syncAllEvents) out(`  syncs every event of the organizer; new events use ${c.defaultMappingSetId ? `mapping set ${c.defaultMappingSetId}` : 'the default mappings'}`);
  for (const e of c.events) out(`  event ${e.event}: ${e.enabled ? (e.autoEnabled ? 'enabled automatically' : 'enabled') : 'disabled'}, ${e.mappings} mapping(s)`);
}

function printEvent(e: EventSummary, out: (line: string) => void) {
  const dates = [e.dateFrom?.slice(0, 10), e.dateTo?.slice(0, 10)].filter(Boolean).join(' – ');
  const state = [e.live ? 'live' : 'not live', e.testmode ? 'test mode' : ''].filter(Boolean).join(', ');
  const sync = e.enabled ? `enabled${e.autoEnabled ? ' automatically' : ''}, ${e.mappingCount} mapping(s), webhook ${e.webhook.state}${e.webhook.id !== null ? ` #${e.webhook.id}` : ''}` : 'disabled';
  out(`${e.slug}  ${e.name}  ${dates}  (${state})  — ${sync}`);
  if (e.webhook.message) out(`  ${e.webhook.message}`);
}

function printCounts(counts: QueueCounts, out: (line: string) => void) {
  out(`pending ${counts.pending}, in flight ${counts.inFlight}, failed ${counts.failed} (config ${counts.failedByClass.config}, permanent ${counts.failedByClass.permanent}, temporary ${counts.failedByClass.transient})`);
  if (counts.oldestPendingAt) out(`oldest pending since ${new Date(counts.oldestPendingAt).toISOString()}`);
}

// Kept here for callers that imported it from the CLI; the list lives with the pretix client.
export { ORDER_ACTIONS };

export const COMMANDS: Command[] = [
  {
    name: 'connection add',
    summary: 'link a HubSpot portal to a pretix organizer (the API token is checked first)',
    usage: 'connection add --portal <HubSpot account id> --url <pretix URL> --organizer <slug> (--token <API token> | --token-stdin)',
    options: { portal: { type: 'string' }, url: { type: 'string' }, organizer: { type: 'string' }, token: { type: 'string' }, 'token-stdin': { type: 'boolean' } },
    async run(client, values, _p, out) {
      const apiToken = values['token-stdin'] ? await readStdin() : need(values, 'token');
      const { connection } = await client.post<{ connection: PublicConnection }>('/connections', {
        portalId: need(values, 'portal'),
        baseUrl: need(values, 'url'),
        organizer: need(values, 'organizer'),
        apiToken,
      });
      out('pretix accepted the token. Connection saved:');
      printConnection(connection, out);
      out(`Next: pretix-hubspot event list --connection ${connection.id}`);
      out(`      pretix-hubspot event enable --connection ${connection.id} --event <slug>   (registers the pretix webhook)`);
    },
  },
  {
    name: 'connection all-events',
    summary: 'sync every event of the organizer, new ones included (--on), or only the events enabled one by one (--off)',
    usage: 'connection all-events --connection <id> (--on [--set <set id> | --default-mappings] | --off)',
    options: { connection: { type: 'string' }, on: { type: 'boolean' }, off: { type: 'boolean' }, set: { type: 'string' }, 'default-mappings': { type: 'boolean' } },
    async run(client, values, _p, out) {
      if (Boolean(values.on) === Boolean(values.off)) throw new UsageError('give either --on or --off');
      if (typeof values.set === 'string' && values['default-mappings']) throw new UsageError('give --set or --default-mappings, not both');
      const body: { enabled: boolean; defaultMappingSet?: string | null } = { enabled: Boolean(values.on) };
      if (typeof values.set === 'string') body.defaultMappingSet = needChecked(values, 'set', mappingSetIdSchema);
      if (values['default-mappings']) body.defaultMappingSet = null;
      const answer = await client.put<{ message: string; adopted: string[] }>(`${connectionPath(values)}/all-events`, body);
      out(answer.message);
      if (answer.adopted.length > 0) out(`Enabled: ${answer.adopted.join(', ')}`);
    },
  },
  {
    name: 'connection list',
    summary: 'list connections with their webhook URLs and events',
    usage: 'connection list',
    options: {},
    async run(client, _v, _p, out) {
      const { connections } = await client.get<{ connections: PublicConnection[] }>('/connections');
      if (connections.length === 0) out('No connections yet. Add one with `pretix-hubspot connection add`.');
      connections.forEach((c) => printConnection(c, out));
    },
  },
  {
    name: 'connection remove',
    summary: 'remove a connection with its events, queued jobs and sync records (and its pretix webhook)',
    usage: 'connection remove <connection id> [--force]   (--force: even when pretix cannot be reached to remove the webhook)',
    options: { force: { type: 'boolean' } },
    async run(client, values, positionals, out) {
      const id = positionals[0];
      if (!id) throw new UsageError('the connection id is required');
      if (!connectionIdSchema.safeParse(id).success) throw new UsageError(`${id} is not a connection id (a UUID, see \`connection list\`)`);
      const result = await client.delete<ConnectionRemoval>(`/connections/${encodeURIComponent(id)}${values.force ? '?force=true' : ''}`);
      out(`Removed connection ${id}.`);
      if (result?.webhookMessage) out(result.webhookMessage);
    },
  },
  {
    name: 'mappings set',
    summary: "check and set an event's object mappings from a JSON file in pretix's datasync shape (--enable: also start syncing it)",
    usage: 'mappings set --connection <id> --event <slug> --file <mappings.json> [--enable] [--apply changed|all|none]',
    options: { connection: { type: 'string' }, event: { type: 'string' }, file: { type: 'string' }, enable: { type: 'boolean' }, apply: { type: 'string' } },
    async run(client, values, _p, out) {
      const apply = values.apply;
      if (apply !== undefined && apply !== 'changed' && apply !== 'all' && apply !== 'none') throw new UsageError('--apply takes changed, all or none');
      const file = need(values, 'file');
      let body: unknown;
      try {
        body = JSON.parse(await readFile(file, 'utf8'));
      } catch (error) {
        throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
      }
      // The receiver checks every pretix field and HubSpot property first; a refusal lists them (nothing is saved).
      const { event, warnings, enabled, resync } = await client.put<{
        event: EventConfig;
        warnings: Record<string, string>;
        enabled?: EventSummary;
        resync: { changedMappingIds: string[]; hasSyncedOrders: boolean };
      }>(`${eventPath(values)}/mappings${values.enable ? '?enable=true' : ''}`, body);
      out(`Saved ${event.mappings.length} mapping(s) for event ${event.event} (${event.enabled ? 'enabled' : 'disabled'}).`);
      for (const [path, warning] of Object.entries(warnings ?? {})) out(`  warning: ${describeFieldPath(path)}: ${warning}`);
      if (enabled) printEvent(enabled, out);
      else if (!event.enabled) out(`Sync is off for this event. Start it with --enable or \`pretix-hubspot event enable --connection ${values.connection} --event ${event.event}\` (registers the pretix webhook).`);
      if (resync.changedMappingIds.length === 0 || !resync.hasSyncedOrders) return;
      if (apply === 'changed' || apply === 'all') {
        await client.post(`${eventPath(values)}/backfill`, apply === 'changed' ? { mappingIds: resync.changedMappingIds } : {});
        out(`Re-syncing existing orders (${apply === 'changed' ? `mappings ${resync.changedMappingIds.join(', ')}` : 'all mappings'}). Follow it with \`pretix-hubspot backfill status --connection ${values.connection} --event ${event.event}\`.`);
      } else if (apply !== 'none') {
        out(`Mappings ${resync.changedMappingIds.join(', ')} changed. Orders synced before keep the old values until they are synced again.`);
        out(`Apply the change to existing orders: pretix-hubspot mappings set … --apply changed (only those mappings) or --apply all, or run \`pretix-hubspot backfill\`.`);
      }
    },
  },
  {
    name: 'mappings show',
    summary: "print an event's object mappings as JSON",
    usage: 'mappings show --connection <id> --event <slug>',
    options: { connection: { type: 'string' }, event: { type: 'string' } },
    async run(client, values, _p, out) {
      const { event } = await client.get<{ event: EventConfig }>(eventPath(values));
      out(JSON.stringify({ object_mappings: event.mappings }, null, 2));
    },
  },
  {
    name: 'set list',
    summary: "list the connection's organizer-wide mapping sets and the events that use them",
    usage: 'set list --connection <id>',
    options: { connection: { type: 'string' } },
    async run(client, values, _p, out) {
      const { sets } = await client.get<{ sets: MappingSetSummary[] }>(`${connectionPath(values)}/mapping-sets`);
      if (sets.length === 0) out('No mapping sets yet. Create one with `pretix-hubspot set save` or `set copy`.');
      for (const { set, events } of sets) {
        out(`${set.id}  "${set.name}"  ${set.mappings.length} mapping(s), used by ${events.length === 0 ? 'no event' : events.join(', ')}`);
      }
    },
  },
  {
    name: 'set save',
    summary: 'create or replace a mapping set from a JSON file in datasync shape (checked against every event using it; those events re-sync what changed)',
    usage: 'set save --connection <id> --set <set id> --file <mappings.json> [--name <display name>]',
    options: { connection: { type: 'string' }, set: { type: 'string' }, file: { type: 'string' }, name: { type: 'string' } },
    async run(client, values, _p, out) {
      const file = need(values, 'file');
      let mappings: unknown;
      try {
        mappings = JSON.parse(await readFile(file, 'utf8'));
      } catch (error) {
        throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
      }
      const name = typeof values.name === 'string' ? values.name : undefined;
      const saved = await client.put<SavedMappingSet>(setPath(values), { ...(name ? { name } : {}), mappings });
      printSavedSet(saved, values, out);
    },
  },
  {
    name: 'set copy',
    summary: "make a mapping set (new or replaced) from what an event syncs with now",
    usage: 'set copy --connection <id> --event <slug> --set <set id> [--name <display name>]',
    options: { connection: { type: 'string' }, event: { type: 'string' }, set: { type: 'string' }, name: { type: 'string' } },
    async run(client, values, _p, out) {
      const event = needChecked(values, 'event', eventSlugSchema);
      const name = typeof values.name === 'string' ? values.name : undefined;
      const saved = await client.post<SavedMappingSet>(`${setPath(values)}/copy-from/${encodeURIComponent(event)}`, name ? { name } : {});
      printSavedSet(saved, values, out);
    },
  },
  {
    name: 'set delete',
    summary: 'delete a mapping set that no event uses (refused, naming them, while events sync with it)',
    usage: 'set delete --connection <id> --set <set id>',
    options: { connection: { type: 'string' }, set: { type: 'string' } },
    async run(client, values, _p, out) {
      const { deleted } = await client.delete<{ deleted: string }>(setPath(values));
      out(`Deleted mapping set ${deleted}.`);
    },
  },
  {
    name: 'set assign',
    summary: "make events sync with a mapping set (checked against each), or with their own mappings again (--own)",
    usage: 'set assign --connection <id> --event <slug>[,<slug>…] (--set <set id> | --own)',
    options: { connection: { type: 'string' }, event: { type: 'string' }, set: { type: 'string' }, own: { type: 'boolean' } },
    async run(client, values, _p, out) {
      if (Boolean(values.own) === (typeof values.set === 'string')) throw new UsageError('give either --set <set id> or --own');
      const set = values.own ? null : needChecked(values, 'set', mappingSetIdSchema);
      for (const event of eventList(values)) {
        const { resync } = await client.put<{ resync: { changedMappingIds: string[]; hint: string | null } }>(
          `${connectionPath(values)}/events/${encodeURIComponent(event)}/mapping-set`,
          { set },
        );
        out(`Event ${event} now syncs with ${set === null ? 'its own mappings' : `mapping set ${set}`}.`);
        if (resync.hint) out(`  Mappings ${resync.changedMappingIds.join(', ')} differ: run \`pretix-hubspot backfill --connection ${values.connection} --event ${event} --mappings ${resync.changedMappingIds.join(',')}\` to apply them to existing orders.`);
      }
    },
  },
  {
    name: 'event list',
    summary: "list the organizer's pretix events with their sync and webhook state",
    usage: 'event list --connection <id>',
    options: { connection: { type: 'string' } },
    async run(client, values, _p, out) {
      const { events } = await client.get<{ events: EventSummary[] }>(`/connections/${encodeURIComponent(needChecked(values, 'connection', connectionIdSchema))}/events`);
      if (events.length === 0) out('The organizer has no events this API token can see.');
      events.forEach((e) => printEvent(e, out));
    },
  },
  {
    name: 'event enable',
    summary: 'start syncing an event: registers the pretix webhook (default mappings if it has none)',
    usage: 'event enable --connection <id> --event <slug>[,<slug>…]   (several: one after the other, stopping at the first refusal)',
    options: { connection: { type: 'string' }, event: { type: 'string' } },
    async run(client, values, _p, out) {
      for (const slug of eventList(values)) {
        const { event } = await client.post<{ event: EventSummary }>(`${connectionPath(values)}/events/${encodeURIComponent(slug)}/enable`);
        out(`Event ${event.slug} is enabled.`);
        printEvent(event, out);
      }
    },
  },
  {
    name: 'event disable',
    summary: 'stop syncing an event (queued jobs are dropped; the pretix webhook no longer covers it)',
    usage: 'event disable --connection <id> --event <slug>[,<slug>…]',
    options: { connection: { type: 'string' }, event: { type: 'string' } },
    async run(client, values, _p, out) {
      for (const slug of eventList(values)) {
        const { event } = await client.post<{ event: EventSummary }>(`${connectionPath(values)}/events/${encodeURIComponent(slug)}/disable`);
        out(`Event ${event.slug} is disabled.`);
        if (event.webhook.message) out(event.webhook.message);
      }
    },
  },
  {
    name: 'portal list',
    summary: 'list the HubSpot accounts that installed the app',
    usage: 'portal list',
    options: {},
    async run(client, _v, _p, out) {
      const { portals } = await client.get<{ portals: PublicInstallation[] }>('/portals');
      if (portals.length === 0) out('No HubSpot account has installed the app yet ("Request access" on the status page).');
      for (const p of portals) {
        out(`${p.portalId}  ${p.status === 'active' ? 'installed' : 'not installed'}  ${p.scopes.length} scope(s)  since ${p.installedAt}`);
        if (p.uninstalledReason) out(`  ${p.uninstalledReason}`);
      }
    },
  },
  {
    name: 'portal disconnect',
    summary: "revoke a portal's HubSpot token and delete it here (its syncs stop until it installs again)",
    usage: 'portal disconnect <portal id>',
    options: {},
    async run(client, _v, positionals, out) {
      const portalId = positionals[0];
      if (!portalId) throw new UsageError('the portal id is required (see `portal list`)');
      await client.post<{ portal: PublicInstallation }>(`/portals/${encodeURIComponent(portalId)}/disconnect`);
      out(`Disconnected portal ${portalId}: its token was revoked at HubSpot and deleted here.`);
    },
  },
  {
    name: 'sync',
    summary: 'sync one order now',
    usage: 'sync --connection <id> --event <slug> --order <code>',
    options: { connection: { type: 'string' }, event: { type: 'string' }, order: { type: 'string' } },
    async run(client, values, _p, out) {
      await client.post(`${eventPath(values)}/orders/${encodeURIComponent(needChecked(values, 'order', orderCodeSchema))}/sync`);
      out(`Order ${values.order} is queued for sync.`);
    },
  },
  {
    name: 'backfill status',
    summary: "show the progress of an event's backfill",
    usage: 'backfill status --connection <id> --event <slug>',
    options: { connection: { type: 'string' }, event: { type: 'string' } },
    async run(client, values, _p, out) {
      const { backfill } = await client.get<{ backfill: BackfillProgressView }>(`${eventPath(values)}/backfill`);
      out(`${backfill.state}: ${backfill.processed}/${backfill.total ?? '?'} processed, ${backfill.synced} synced, ${backfill.skipped} skipped, ${backfill.failed} failed; next page ${backfill.nextPage}${backfill.error ? `; ${backfill.error}` : ''}`);
    },
  },
  {
    name: 'backfill cancel',
    summary: 'stop a running backfill (what was synced stays synced)',
    usage: 'backfill cancel --connection <id> --event <slug>',
    options: { connection: { type: 'string' }, event: { type: 'string' } },
    async run(client, values, _p, out) {
      const { backfill } = await client.delete<{ backfill: BackfillProgressView }>(`${eventPath(values)}/backfill`);
      out(`Backfill of ${backfill.event} canceled after ${backfill.processed} orders.`);
    },
  },
  {
    name: 'backfill',
    summary: 'sync all existing orders of an event, with progress (Ctrl-C detaches; it keeps running)',
    usage: 'backfill --connection <id> --event <slug> [--mappings 2,3] [--detach]',
    options: { connection: { type: 'string' }, event: { type: 'string' }, mappings: { type: 'string' }, detach: { type: 'boolean' } },
    async run(client, values, _p, out) {
      const mappingIds = typeof values.mappings === 'string' ? values.mappings.split(',').map((m) => m.trim()).filter(Boolean) : undefined;
      await client.post(`${eventPath(values)}/backfill`, mappingIds ? { mappingIds } : {});
      out(`Backfill of ${values.event} started.`);
      if (values.detach) return;
      const reporter = createProgressReporter(process.stdout);
      for (;;) {
        const { backfill } = await client.get<{ backfill: BackfillProgressView }>(`${eventPath(values)}/backfill`);
        if (backfill.state !== 'running') {
          reporter.finish(backfill);
          if (backfill.state === 'failed') throw new UsageError(`backfill failed: ${backfill.error}`);
          return;
        }
        reporter.update(backfill);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    },
  },
  {
    name: 'sweep status',
    summary: 'show, per enabled event, the last reconcile sweep: when, what it found, what it queued',
    usage: 'sweep status',
    options: {},
    async run(client, _v, _p, out) {
      const { sweeps } = await client.get<{ sweeps: { connectionId: string; event: string; lastSweepAt: string | null; lastFound: number; lastEnqueued: number; watermark: string | null; lastError: string | null }[] }>('/sweeps');
      if (sweeps.length === 0) out('No enabled events.');
      for (const s of sweeps) {
        out(`${s.event} (${s.connectionId}): last sweep ${s.lastSweepAt ?? 'never'}, ${s.lastFound} modified order(s) looked at, ${s.lastEnqueued} queued; watermark ${s.watermark ?? 'none'}${s.lastError ? `; error: ${s.lastError}` : ''}`);
      }
    },
  },
  {
    name: 'sweep run',
    summary: 'run the reconcile sweep of an event now',
    usage: 'sweep run --connection <id> --event <slug>',
    options: { connection: { type: 'string' }, event: { type: 'string' } },
    async run(client, values, _p, out) {
      const { sweep } = await client.post<{ sweep: { lastFound: number; lastEnqueued: number; lastError: string | null } }>(`${eventPath(values)}/sweep`);
      out(sweep.lastError ? `Sweep failed: ${sweep.lastError}` : `Looked at ${sweep.lastFound} modified order(s), queued ${sweep.lastEnqueued} whose HubSpot data was older.`);
    },
  },
  {
    name: 'queue status',
    summary: 'show how many sync jobs are pending, in flight and failed',
    usage: 'queue status',
    options: {},
    async run(client, _v, _p, out) {
      const { counts } = await client.get<{ counts: QueueCounts }>('/jobs');
      printCounts(counts, out);
      const { portals } = await client.get<{ portals: PortalSyncHealth[] }>('/sync-health');
      for (const portal of portals) {
        out(`portal ${portal.portalId}: webhook → HubSpot ${describeLag(portal.lag)}; backlog ${describeBacklog(portal.backlog)}`);
      }
    },
  },
  {
    name: 'jobs failed',
    summary: 'list jobs that wait for a manual retry, with the reason',
    usage: 'jobs failed',
    options: {},
    async run(client, _v, _p, out) {
      const { jobs } = await client.get<{ jobs: (SyncJob & { failureLabel?: string })[] }>('/jobs?state=failed');
      if (jobs.length === 0) out('No failed jobs.');
      for (const job of jobs) {
        out(`${job.key}  ${job.failureLabel ?? job.failureClass}  attempts ${job.attempts}  ${job.lastErrorAt ? new Date(job.lastErrorAt).toISOString() : ''}`);
        out(`  ${job.lastError ?? ''}`);
      }
    },
  },
  {
    name: 'jobs retry',
    summary: 'put a failed job back in the queue',
    usage: 'jobs retry <job key>',
    options: {},
    async run(client, _v, positionals, out) {
      const key = positionals[0];
      if (!key) throw new UsageError('the job key is required (see `jobs failed`)');
      await client.post('/jobs/retry', { key });
      out(`Job ${key} is queued again.`);
    },
  },
];

export function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  for (const command of COMMANDS) {
    const words = command.name.split(' ');
    if (words.every((word, i) => argv[i] === word)) return { command, rest: argv.slice(words.length) };
  }
  return undefined;
}

export function parseCommandArgs(command: Command, rest: string[]) {
  return parseArgs({ args: rest, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
}

/** `pretix-hubspot --help`. */
export function generalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: pretix-hubspot [--receiver URL] <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --help. The receiver must be running (npm start); the CLI reads the same',
    'configuration (.env, DATA_FILE, SECRET_KEY) to authenticate to it.',
  ].join('\n');
}

/** `pretix-hubspot <command> --help`. */
export function commandHelp(command: Command): string {
  return `${command.summary}\n\nUsage: pretix-hubspot ${command.usage}`;
}
