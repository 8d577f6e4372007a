// One owner for an event's mappings: the admin API (behind the CLI) checks them exactly like the settings page and
// answers with the same 400 body; saving never switches sync on and keeps the webhook fields; enabling is asked for
// explicitly and registers the pretix webhook. One owner for connection removal: both APIs take the webhook out.
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiError, MappingsResponse, ObjectMappingDto } from '../../src/app/shared/api-types';
import { adminTokenFor } from '../../receiver/app';
import { AdminApiError } from '../../receiver/cli/admin-client';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import { createSecretBox } from '../../receiver/store/secrets';
import type { EventConfig } from '../../receiver/store/types';
import { exampleMappingsBody } from '../helpers/mappings';
import { EVENT, ORGANIZER, PRETIX_TOKEN, SECRET_KEY } from '../helpers/stack';
import { startApiStack, type ApiStack } from './signed-client';

/** The example mappings file (pretix's datasync shape) as the CLI sends it and as the settings page sends it. */
const exampleFile = exampleMappingsBody;

/** A source field with a typo and a HubSpot property the portal does not have. */
function withMistakes(): { object_mappings: ObjectMappingDto[] } {
  const file = exampleFile();
  file.object_mappings[0]!.property_mappings[1]!.pretix_field = 'invoice_address_nmae';
  file.object_mappings[2]!.property_mappings[0]!.external_field = 'pretix_order_totl';
  return file;
}

/** The admin API's answer as status and body (the admin client throws on errors, so this calls it directly). */
async function adminSend(stack: ApiStack, method: 'PUT' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${stack.receiverUrl}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${adminTokenFor(createSecretBox(SECRET_KEY))}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('event configuration has one owner', () => {
  let stack: ApiStack;
  afterEach(() => stack?.close());

  const start = async (options: { permissions?: 'full' | 'no-webhooks' } = {}) => {
    stack = await startApiStack({ startWorker: false });
    if (options.permissions === 'no-webhooks') {
      stack.pretix.addToken(PRETIX_TOKEN, { organizer: ORGANIZER, permissions: { ordersRead: true, ordersWrite: true, organizerSettingsWrite: false } });
    }
    const connection = await stack.connect({ webhook: 'none' });
    const eventPath = `/connections/${connection.id}/events/${EVENT}`;
    return { connection, eventPath, settingsPath: `/api/v1${eventPath}/mappings` };
  };
  const configOf = async (connection: PublicConnection) => await stack.store.getEventConfig(connection.id, EVENT);

  it('the admin API refuses a typo and a missing HubSpot property with the same 400 body as the settings API', async () => {
    const { connection, eventPath, settingsPath } = await start();
    const viaSettings = await stack.api.send<ApiError>('PUT', settingsPath, { mappings: withMistakes().object_mappings });
    const viaAdmin = await adminSend(stack, 'PUT', `${eventPath}/mappings`, withMistakes());

    expect(viaSettings.status).toBe(400);
    expect(viaSettings.body.fieldErrors).toEqual({
      'mappings.0.property_mappings.1.pretix_field': expect.stringContaining('"invoice_address_nmae"'),
      'mappings.2.property_mappings.0.external_field': expect.stringContaining('no deals property "pretix_order_totl"'),
    });
    expect(viaAdmin).toEqual({ status: viaSettings.status, body: viaSettings.body });
    expect(await configOf(connection)).toBeUndefined();

    // An event pretix does not have (not in the organizer's event list): the same 404 unknown_event from both, nothing saved.
    const unknownViaSettings = await stack.api.send<ApiError>('PUT', settingsPath.replace(EVENT, 'nosuchcon'), { mappings: exampleFile().object_mappings });
    const unknownViaAdmin = await adminSend(stack, 'PUT', `${eventPath.replace(EVENT, 'nosuchcon')}/mappings`, exampleFile());
    expect(unknownViaSettings.status).toBe(404);
    expect(unknownViaSettings.body.error).toBe('unknown_event');
    expect(unknownViaAdmin).toEqual({ status: unknownViaSettings.status, body: unknownViaSettings.body });
    expect(await stack.store.getEventConfig(connection.id, 'nosuchcon')).toBeUndefined();

    // The CLI's client shows each field with where it is in the file.
    const refused = await stack.admin.put(`${eventPath}/mappings`, withMistakes()).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AdminApiError);
    expect((refused as AdminApiError).message).toContain('mapping 1, property row 2, pretix_field (mappings.0.property_mappings.1.pretix_field): pretix has no field "invoice_address_nmae"');
    expect((refused as AdminApiError).message).toContain('mapping 3, property row 1, external_field');
    expect(await configOf(connection)).toBeUndefined();
  });

  it('saving through the admin API does not enable the event; ?enable=true does, registering the pretix webhook', async () => {
    const { connection, eventPath } = await start();
    const saved = await stack.admin.put<{ event: EventConfig; warnings: Record<string, string> }>(`${eventPath}/mappings`, exampleFile());
    expect(saved.event.enabled).toBe(false);
    expect(saved.warnings).toEqual({});
    expect(await configOf(connection)).toMatchObject({ enabled: false });
    expect((await configOf(connection))?.mappings).toHaveLength(3);
    expect(stack.pretix.webhooks(ORGANIZER)).toEqual([]);

    const enabled = await stack.admin.put<{ event: EventConfig; enabled: { webhook: { state: string; id: number | null } } }>(`${eventPath}/mappings?enable=true`, exampleFile());
    const hooks = stack.pretix.webhooks(ORGANIZER);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ target_url: connection.webhookUrl, enabled: true, all_events: false, limit_events: [EVENT] });
    expect(enabled.enabled.webhook).toEqual({ state: 'registered', id: hooks[0]!.id, message: null });
    expect(enabled.event).toMatchObject({ enabled: true, webhookId: hooks[0]!.id, webhookMode: 'registered' });
    expect(enabled.event.mappings).toHaveLength(3);
  });

  it('saving keeps enabled, webhookId, webhookMode and webhookProblem, through either API', async () => {
    const { connection, eventPath, settingsPath } = await start({ permissions: 'no-webhooks' });
    await stack.admin.post(`${eventPath}/enable`);
    const manual = (await configOf(connection))!;
    expect(manual).toMatchObject({ enabled: true, webhookMode: 'manual', webhookProblem: expect.stringContaining('403') });
    const keep = { enabled: manual.enabled, webhookId: manual.webhookId, webhookMode: manual.webhookMode, webhookProblem: manual.webhookProblem };

    await stack.admin.put(`${eventPath}/mappings`, exampleFile());
    expect(await configOf(connection)).toMatchObject(keep);
    expect((await configOf(connection))?.mappings).toHaveLength(3);

    const file = exampleFile();
    file.object_mappings[0]!.property_mappings = file.object_mappings[0]!.property_mappings.slice(0, 2);
    const viaSettings = await stack.api.send<MappingsResponse>('PUT', settingsPath, { mappings: file.object_mappings });
    expect(viaSettings.status).toBe(200);
    expect(await configOf(connection)).toMatchObject(keep);
    expect((await configOf(connection))?.mappings[0]!.property_mappings).toHaveLength(2);
  });

  it('removing a connection takes its pretix webhook out, from the admin API and the settings API alike', async () => {
    const { eventPath } = await start();
    await stack.admin.put(`${eventPath}/mappings?enable=true`, exampleFile());
    const [hook] = stack.pretix.webhooks(ORGANIZER);
    expect(hook?.enabled).toBe(true);
    const connectionId = eventPath.split('/')[2]!;
    const removed = await adminSend(stack, 'DELETE', `/connections/${connectionId}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ removed: true, webhookRemoved: true });
    expect(stack.pretix.webhooks(ORGANIZER).find((w) => w.id === hook!.id)?.enabled).toBe(false);
    expect(await stack.store.getConnection(connectionId)).toBeUndefined();

    const second = await stack.connect({ webhook: 'none' });
    await stack.admin.post(`/connections/${second.id}/events/${EVENT}/enable`);
    const secondHook = stack.pretix.webhooks(ORGANIZER).find((w) => w.target_url === second.webhookUrl && w.enabled);
    expect(secondHook).toBeDefined();
    const viaSettings = await stack.api.send<{ deleted: boolean; message: string }>('DELETE', `/api/v1/connections/${second.id}`, {});
    expect(viaSettings.status).toBe(200);
    expect(viaSettings.body.message).toContain(`Removed pretix webhook ${secondHook!.id}`);
    expect(stack.pretix.webhooks(ORGANIZER).find((w) => w.id === secondHook!.id)?.enabled).toBe(false);
    expect(await stack.store.getConnection(second.id)).toBeUndefined();
  });
});
