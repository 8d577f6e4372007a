// Pages the receiver serves to people: the status page at `/` and the results of the HubSpot install, in the words
// of pretix's own HubSpot plugin ("HubSpot Integration", "Request access", "The HubSpot integration is now active").
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { describeConfig, type Config } from '../config';
import type { InstallationService, PublicInstallation } from '../hubspot/installations';
import { safeEqual } from '../store/secrets';
import type { BackfillState, Connection, EventConfig, QueueCounts, Store, SweepState } from '../store/types';
import { describeBacklog, describeLag, type PortalSyncHealth, type SyncHealth } from '../sync/sync-health';
import { html, sendPage, type SafeHtml } from './html';
import { effectiveMappings } from '../connections/effective-mappings';

export const PAGE_TITLE = 'HubSpot Integration';
export const ACTIVE_SENTENCE = 'The HubSpot integration is now active';
export const REQUEST_ACCESS = 'Request access';

const requestAccessButton = () => html`<p><a class="button" id="request-access" href="/oauth/install">${REQUEST_ACCESS}</a></p>`;

/** Numbered next steps after an install, the same on the result page and the status page. */
function nextStepsAfterInstall(portalId: string): SafeHtml {
  return html`<ol>
  <li><strong>Add a pretix connection</strong> for portal ${portalId}: in HubSpot open the app's settings page, or run
    <code>npx pretix-hubspot connection add --portal ${portalId} --url https://pretix.eu --organizer &lt;slug&gt; --token-stdin</code>.</li>
  <li><strong>Enable events</strong> to sync: <code>npx pretix-hubspot event list --connection &lt;id&gt;</code>, then
    <code>npx pretix-hubspot event enable --connection &lt;id&gt; --event &lt;slug&gt;</code>. Enabling registers the pretix webhook
    and offers default mappings (order and attendee contacts).</li>
  <li><strong>Add the card</strong> "pretix orders" to contact records: a contact → Customize record → add a tab card from the
    card library (filter "App").</li>
</ol>`;
}

export function installActivePage(portalId: string, requeued: number): SafeHtml {
  return html`<h1>${PAGE_TITLE}</h1>
<section class="card success" id="install-result">
  <p><strong>${ACTIVE_SENTENCE}</strong> for HubSpot account <strong id="portal-id">${portalId}</strong>.</p>
  ${requeued > 0 ? html`<p>${requeued} sync job(s) that waited for this account are queued again.</p>` : ''}
</section>
<h2>Next steps</h2>
<section class="card">${nextStepsAfterInstall(portalId)}</section>
<p><a href="/">Back to the status page</a></p>`;
}

export function installErrorPage(problem: string, hint?: string): SafeHtml {
  return html`<h1>${PAGE_TITLE}</h1>
<section class="card error" id="install-result">
  <p><strong>The HubSpot integration was not activated.</strong></p>
  <p id="problem">${problem}</p>
  ${hint ? html`<p>${hint}</p>` : ''}
</section>
<p>Start again from the beginning:</p>
${requestAccessButton()}
<p><a href="/">Back to the status page</a></p>`;
}

export function installExpiredPage(): SafeHtml {
  return installErrorPage(
    'This install link has expired: more than 10 minutes passed between "Request access" and the return from HubSpot.',
    'Nothing was stored. Click "Request access" again and confirm in HubSpot within a few minutes.',
  );
}

export interface StatusPageDeps {
  config: Config;
  store: Store;
  installations: InstallationService;
  adminToken: string;
  health?: SyncHealth;
}

interface StatusData {
  configured: string[];
  missing: string[];
  oauth: boolean;
  staticPortal: string | null;
  portals: PublicInstallation[];
  connections: { connection: Connection; events: EventConfig[] }[];
  /** Backfill and reconcile sweep of an event, by connection id and event slug. */
  activity: (connectionId: string, event: string) => { backfill?: BackfillState; sweep?: SweepState };
  queue: QueueCounts;
  /** Per portal: webhook lag over the last hour and backlog. */
  health: PortalSyncHealth[];
  details: boolean;
}

function nextStep(data: StatusData): SafeHtml {
  const activePortals = data.portals.filter((p) => p.status === 'active');
  if (!data.oauth && !data.staticPortal) {
    return html`Set <code>HUBSPOT_CLIENT_ID</code> and <code>HUBSPOT_CLIENT_SECRET</code> (the OAuth app from <code>npx hs project upload</code>)
      or, for a single portal, <code>HUBSPOT_ACCESS_TOKEN</code> and <code>HUBSPOT_PORTAL_ID</code>; then restart the receiver.`;
  }
  if (activePortals.length === 0 && !data.staticPortal) {
    const gone = data.portals.find((p) => p.status === 'uninstalled');
    return gone
      ? html`The app is no longer installed in portal ${data.details ? gone.portalId : '(hidden)'}. Click "${REQUEST_ACCESS}" to install it again; waiting sync jobs are then retried.`
      : html`Click "${REQUEST_ACCESS}" and connect the app to your HubSpot account.`;
  }
  if (data.connections.length === 0) {
    const portal = (data.details ? (activePortals[0]?.portalId ?? data.staticPortal) : null) ?? '<portal id>';
    return html`Add a pretix connection: <code>npx pretix-hubspot connection add --portal ${portal} --url https://pretix.eu --organizer &lt;slug&gt; --token-stdin</code>
      (or use the app's settings page in HubSpot).`;
  }
  if (!data.connections.some((c) => c.events.some((e) => e.enabled))) {
    const id = data.details ? data.connections[0]!.connection.id : '<connection id>';
    return html`Enable the events to sync: <code>npx pretix-hubspot event list --connection ${id}</code>, then
      <code>npx pretix-hubspot event enable --connection ${id} --event &lt;slug&gt;</code>.`;
  }
  if (data.queue.failed > 0) {
    return html`${data.queue.failed} sync job(s) stopped and wait for you: <code>npx pretix-hubspot jobs failed</code> shows why.`;
  }
  return html`All set. Add the "pretix orders" card to contact records in HubSpot if you have not yet (a contact → Customize record → card library).`;
}

function portalsSection(data: StatusData): SafeHtml {
  const rows = data.portals.map(
    (p) => html`<tr class="portal" data-portal="${p.portalId}">
      <td>${p.portalId}</td>
      <td>${p.status === 'active' ? html`<span class="ok">installed</span>` : html`<span class="bad">not installed</span>`}
        ${p.uninstalledReason ? html`<div class="muted">${p.uninstalledReason}</div>` : ''}</td>
      <td>${p.scopes.length} scope(s)</td>
      <td class="muted">since ${p.installedAt.slice(0, 10)}</td>
    </tr>`,
  );
  if (data.staticPortal) {
    rows.unshift(html`<tr class="portal" data-portal="${data.staticPortal}"><td>${data.staticPortal}</td><td><span class="ok">static token</span></td><td>HUBSPOT_ACCESS_TOKEN</td><td></td></tr>`);
  }
  if (rows.length === 0) return html`<p class="muted">No HubSpot account has installed the app yet.</p>`;
  return html`<table id="portals"><tr><th>HubSpot account</th><th>Status</th><th>Access</th><th></th></tr>${rows}</table>`;
}

function connectionsSection(data: StatusData): SafeHtml {
  if (data.connections.length === 0) return html`<p class="muted">No pretix connection yet.</p>`;
  return html`<table id="connections"><tr><th>pretix organizer</th><th>HubSpot account</th><th>Enabled events</th></tr>
  ${data.connections.map(({ connection, events }) => {
    const enabled = events.filter((e) => e.enabled);
    return html`<tr><td>${connection.organizer} <span class="muted">at ${connection.baseUrl}</span></td><td>${connection.portalId}</td>
      <td>${enabled.length === 0 ? html`<span class="muted">none</span>` : enabled.map((e) => html`<div class="event" data-event="${e.event}">${e.event} <span class="muted">(${e.mappings.length} mapping(s), webhook ${e.webhookMode ?? 'not registered'})</span>
        ${activityLine(data.activity(connection.id, e.event))}</div>`)}</td></tr>`;
  })}</table>`;
}

function activityLine({ backfill, sweep }: { backfill?: BackfillState; sweep?: SweepState }): SafeHtml {
  const parts: SafeHtml[] = [];
  if (backfill) {
    const percent = backfill.total ? Math.floor((100 * backfill.processed) / backfill.total) : 0;
    parts.push(
      backfill.state === 'running'
        ? html`<div class="backfill">Backfill running: <progress max="100" value="${percent}"></progress> ${backfill.processed}/${backfill.total ?? '?'} orders (${percent}%), ${backfill.failed} failed</div>`
        : html`<div class="backfill muted">Backfill ${backfill.state} ${backfill.finishedAt?.slice(0, 16).replace('T', ' ') ?? ''}: ${backfill.synced} synced, ${backfill.skipped} skipped, ${backfill.failed} failed${backfill.error ? html` — <span class="bad">${backfill.error}</span>` : ''}</div>`,
    );
  }
  parts.push(
    sweep?.lastSweepAt
      ? html`<div class="sweep muted">Last reconcile sweep ${sweep.lastSweepAt.slice(0, 16).replace('T', ' ')}: ${sweep.lastFound} modified order(s) looked at, ${sweep.lastEnqueued} queued${sweep.lastError ? html` — <span class="bad">${sweep.lastError}</span>` : ''}</div>`
      : html`<div class="sweep muted">No reconcile sweep yet.</div>`,
  );
  return html`${parts}`;
}

function queueSection(queue: QueueCounts): SafeHtml {
  const oldest = queue.oldestPendingAt === null ? '' : html` — oldest waiting since ${new Date(queue.oldestPendingAt).toISOString()}`;
  return html`<p id="queue">${queue.pending} pending, ${queue.inFlight} in flight,
    <span class="${queue.failed > 0 ? 'bad' : ''}">${queue.failed} stopped</span>
    (configuration ${queue.failedByClass.config}, data ${queue.failedByClass.permanent}, temporary ${queue.failedByClass.transient})${oldest}</p>`;
}

function lagSection(data: StatusData): SafeHtml {
  if (data.health.length === 0) return html``;
  // Without the admin token in production: one line per portal, but no portal ids.
  return html`<table id="sync-lag"><tr><th>HubSpot account</th><th>Webhook → HubSpot (last hour)</th><th>Backlog</th></tr>
  ${data.health.map(
    (h, i) => html`<tr class="portal-lag" data-portal="${data.details ? h.portalId : String(i + 1)}"><td>${data.details ? h.portalId : html`<span class="muted">account ${i + 1}</span>`}</td>
      <td>${describeLag(h.lag)}</td><td>${describeBacklog(h.backlog)}</td></tr>`,
  )}</table>`;
}

export function statusPage(data: StatusData): SafeHtml {
  const activeCount = data.portals.filter((p) => p.status === 'active').length + (data.staticPortal ? 1 : 0);
  const enabledCount = data.connections.reduce((n, c) => n + c.events.filter((e) => e.enabled).length, 0);
  return html`<h1>${PAGE_TITLE}</h1>
<section class="card notice" id="next-step"><strong>Next step:</strong> ${nextStep(data)}</section>
${data.oauth ? requestAccessButton() : ''}
<h2>Configuration</h2>
<section class="card" id="configuration">
  <p>${data.missing.length === 0 ? html`<span class="ok">Configured.</span>` : html`<span class="bad">Not fully configured.</span>`}</p>
  <ul class="plain">${data.details ? data.configured.map((line) => html`<li>✓ ${line}</li>`) : ''}${data.missing.map((line) => html`<li class="bad">✗ ${line}</li>`)}</ul>
</section>
<h2>HubSpot accounts</h2>
<section class="card">${data.details ? portalsSection(data) : html`<p>${activeCount} installed.</p>`}</section>
<h2>pretix connections and events</h2>
<section class="card">${data.details ? connectionsSection(data) : html`<p>${data.connections.length} connection(s), ${enabledCount} enabled event(s).</p>`}</section>
<h2>Sync queue</h2>
<section class="card">${queueSection(data.queue)}${lagSection(data)}</section>
${data.details ? '' : html`<p class="muted">Accounts and organizers are listed only to requests carrying the admin token in production.</p>`}`;
}

export async function statusPageRoutes(app: FastifyInstance, deps: StatusPageDeps): Promise<void> {
  const hasAdminToken = (request: FastifyRequest) => {
    const header = request.headers.authorization ?? '';
    return header.startsWith('Bearer ') && safeEqual(header.slice(7), deps.adminToken);
  };

  app.get('/', async (request, reply) => {
    const { configured, missing } = describeConfig(deps.config);
    const connections = await Promise.all(
      (await deps.store.listConnections()).map(async (connection) => ({
        connection,
        events: await Promise.all((await deps.store.listEventConfigs(connection.id)).map(async (e) => ({ ...e, mappings: await effectiveMappings(deps.store, e) }))),
      })),
    );
    // The page is rendered synchronously: each enabled event's backfill and sweep are read first.
    const activities = new Map<string, { backfill?: BackfillState; sweep?: SweepState }>();
    for (const { connection, events } of connections) {
      for (const e of events) {
        activities.set(`${connection.id}:${e.event}`, { backfill: await deps.store.getBackfill(connection.id, e.event), sweep: await deps.store.getSweep(connection.id, e.event) });
      }
    }
    const data: StatusData = {
      configured,
      missing,
      oauth: deps.config.hubspot.oauth !== undefined,
      staticPortal: deps.config.hubspot.staticToken?.portalId ?? null,
      portals: await deps.installations.list(),
      connections,
      activity: (connectionId, event) => activities.get(`${connectionId}:${event}`) ?? {},
      queue: await deps.store.queueCounts(),
      health: (await deps.health?.all()) ?? [],
      // Portal ids and organizer names are nobody else's business on a public production URL.
      details: deps.config.env !== 'production' || hasAdminToken(request),
    };
    return sendPage(reply, 200, PAGE_TITLE, statusPage(data));
  });
}
