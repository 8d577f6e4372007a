// The event configuration service on its own: what it saves, what it keeps, and what it leaves to the event service.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventSummary } from '../../src/app/shared/api-types';
import { createEventConfigService, InvalidMappingsError } from '../../receiver/connections/event-config-service';
import { objectMappingSchema, type ObjectMapping } from '../../receiver/domain/mapping-schema';
import type { PropertyDefinition } from '../../receiver/hubspot/crm-client';
import { ServiceError } from '../../receiver/lib/service-error';
import { openLowdbStore } from '../../receiver/store/lowdb-store';
import type { EventConfig, Store } from '../../receiver/store/types';
import { tempDir } from '../helpers/temp-dir';
import { fixtureContext } from '../sync/event-context';

const property = (name: string, extra: Partial<PropertyDefinition> = {}): PropertyDefinition => ({ name, label: name, type: 'string', fieldType: 'text', options: [], ...extra });
const buyer = (externalField = 'firstname'): ObjectMapping =>
  objectMappingSchema.parse({
    id: 1,
    pretix_model: 'Order',
    external_object_type: 'contacts',
    pretix_id_field: 'email',
    external_id_field: 'email',
    property_mappings: [{ pretix_field: 'invoice_address_name_given_name', external_field: externalField, value_map: '', overwrite: 'overwrite' }],
  });

describe('event configuration service', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: Store;
  let catalogueLoads: { release: () => void } | null;
  let enableCalls: string[];
  let enableFails: ServiceError | null;

  const service = () =>
    createEventConfigService({
      store,
      catalogues: {
        async load() {
          // Lets a test change the event's settings while the (slow, remote) catalogues are being read.
          if (catalogueLoads) await new Promise<void>((resolve) => (catalogueLoads!.release = resolve));
          return { ctx: fixtureContext(), properties: new Map([['contacts', [property('email'), property('firstname')]]]) };
        },
      },
      events: {
        async setEnabled(connectionId, event) {
          enableCalls.push(`${connectionId}:${event}`);
          if (enableFails) throw enableFails;
          const existing = (await store.getEventConfig(connectionId, event))!;
          await store.saveEventConfig({ ...existing, enabled: true, webhookId: 5, webhookMode: 'registered', webhookProblem: null });
          return { slug: event, enabled: true } as EventSummary;
        },
      },
      now: () => Date.parse('2026-12-01T10:00:00Z'),
    });

  beforeEach(async () => {
    dir = await tempDir();
    store = await openLowdbStore(`${dir.path}/db.json`);
    await store.saveConnection({ id: 'c1', portalId: '42', baseUrl: 'https://pretix.example', organizer: 'acmecorp', apiTokenSealed: 's', webhookTokenFingerprint: 'f', webhookTokenSealed: 's', createdAt: '' });
    catalogueLoads = null;
    enableCalls = [];
    enableFails = null;
  });
  afterEach(async () => {
    await store.close();
    await dir.remove();
  });

  it('refuses a mapping naming a missing property with field errors, saving nothing', async () => {
    const error = await service().saveMappings('c1', 'democon', [buyer('first_name')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidMappingsError);
    expect(error).toMatchObject({ statusCode: 400, code: 'invalid_mappings', fieldErrors: { 'mappings.0.property_mappings.0.external_field': expect.stringContaining('"first_name"') } });
    expect(await store.getEventConfig('c1', 'democon')).toBeUndefined();
  });

  it('saves a new event disabled, and never calls the event service unless asked to enable', async () => {
    const saved = await service().saveMappings('c1', 'democon', [buyer()]);
    expect(saved.config).toMatchObject({ enabled: false, webhookId: null, updatedAt: '2026-12-01T10:00:00.000Z' });
    expect(saved.changedMappingIds).toEqual(['1']);
    expect(saved.hadMappings).toBe(false);
    expect(enableCalls).toEqual([]);
  });

  it('keeps a webhook change made while the catalogues were read', async () => {
    const manual: EventConfig = { connectionId: 'c1', event: 'democon', enabled: true, mappings: [], webhookId: null, webhookMode: 'registered', webhookProblem: null, updatedAt: '' };
    await store.saveEventConfig(manual);
    catalogueLoads = { release: () => undefined };
    const saving = service().saveMappings('c1', 'democon', [buyer()]);
    await new Promise((resolve) => setImmediate(resolve));
    await store.saveEventConfig({ ...manual, webhookMode: 'manual', webhookProblem: 'pretix said 403' });
    catalogueLoads.release();
    await saving;
    expect(await store.getEventConfig('c1', 'democon')).toMatchObject({ enabled: true, webhookMode: 'manual', webhookProblem: 'pretix said 403' });
    expect((await store.getEventConfig('c1', 'democon'))?.mappings).toEqual([buyer()]);
  });

  it('enables through the event service when asked, and says the mappings were saved if enabling fails', async () => {
    const saved = await service().saveMappings('c1', 'democon', [buyer()], { enable: true });
    expect(enableCalls).toEqual(['c1:democon']);
    expect(saved.config).toMatchObject({ enabled: true, webhookId: 5 });

    enableFails = new ServiceError(502, 'webhook_not_registered', 'pretix could not be reached.');
    await store.saveEventConfig({ ...(await store.getEventConfig('c1', 'democon'))!, enabled: false });
    const error = await service().saveMappings('c1', 'democon', [buyer(), { ...buyer(), id: 2 }], { enable: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 502, code: 'webhook_not_registered', message: 'The mappings were saved, but the event was not enabled: pretix could not be reached.' });
    expect(await store.getEventConfig('c1', 'democon')).toMatchObject({ enabled: false });
    expect((await store.getEventConfig('c1', 'democon'))?.mappings).toHaveLength(2);
  });
});
