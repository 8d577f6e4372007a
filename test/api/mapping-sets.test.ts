// The settings API's mapping sets over signed HTTP: create a set, copy an event's mappings into one, assign it to
// events (the event list shows which), refuse a set that does not fit one of its events (naming it), and keep
// another portal out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ApiError,
  AssignMappingSetResponse,
  EventsResponse,
  MappingSetsResponse,
  MappingsResponse,
  ObjectMappingDto,
  SaveMappingSetResponse,
  SetEventEnabledResponse,
} from '../../src/app/shared/api-types';
import type { PublicConnection } from '../../receiver/connections/connection-service';
import type { Json } from '../fakes/pretix';
import { loadFixture } from '../fixtures';
import { exampleMappingDtos } from '../helpers/mappings';
import { EVENT, ORGANIZER } from '../helpers/stack';
import { startApiStack, type ApiStack } from './signed-client';

const NO_DOB = 'meetup-no-dob';

describe('mapping sets in the settings API', () => {
  let stack: ApiStack;
  let connection: PublicConnection;
  const base = () => `/api/v1/connections/${connection.id}`;

  beforeAll(async () => {
    stack = await startApiStack({ startWorker: false });
    const questions = loadFixture<{ results: (Json & { identifier: string })[] }>('questions.json').results;
    stack.pretix.addEvent(ORGANIZER, { slug: NO_DOB }, {
      items: loadFixture<{ results: Json[] }>('items.json').results,
      questions: questions.filter((q) => q.identifier !== 'DOB'),
    });
    connection = await stack.connect({ webhook: 'none' });
    await stack.api.send('PUT', `${base()}/events/${EVENT}/mappings`, { mappings: exampleMappingDtos() });
  });
  afterAll(() => stack.close());

  it("copies an event's mappings into a set and assigns it to another event, which the event list shows", async () => {
    const copied = await stack.api.send<SaveMappingSetResponse>('POST', `${base()}/mapping-sets/standard/copy-from/${EVENT}`, { name: 'Standard' });
    expect(copied.status).toBe(200);
    expect(copied.body.set).toMatchObject({ id: 'standard', name: 'Standard', events: [] });
    expect(copied.body.set.mappings.map((m) => m.id)).toEqual(exampleMappingDtos().map((m) => m.id));

    const assigned = await stack.api.send<AssignMappingSetResponse>('PUT', `${base()}/events/${NO_DOB}/mapping-set`, { set: 'standard' });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ event: NO_DOB, mappingSetId: 'standard' });
    const { body: list } = await stack.api.get<MappingSetsResponse>(`${base()}/mapping-sets`);
    expect(list.sets.map((s) => [s.id, s.events])).toEqual([['standard', [NO_DOB]]]);
    const { body: events } = await stack.api.get<EventsResponse>(`${base()}/events`);
    const noDob = events.events.find((e) => e.slug === NO_DOB)!;
    expect(noDob.mappingSetId).toBe('standard');
    expect(noDob.mappingCount).toBe(exampleMappingDtos().length);
  });

  it("shows an event on a set the set's mappings, and refuses saving own mappings there with where the change belongs", async () => {
    const { body: shown } = await stack.api.get<MappingsResponse>(`${base()}/events/${NO_DOB}/mappings`);
    expect(shown.mappings.map((m) => m.id)).toEqual(exampleMappingDtos().map((m) => m.id));
    const refused = await stack.api.send<ApiError>('PUT', `${base()}/events/${NO_DOB}/mappings`, { mappings: exampleMappingDtos().slice(0, 1) });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: 'uses_mapping_set' });
    expect(refused.body.message).toContain('"standard"');
    expect((await stack.store.getEventConfig(connection.id, NO_DOB))?.mappings).toEqual([]);
  });

  it('enables an event on a set without giving it default mappings of its own', async () => {
    const enabled = await stack.api.send<SetEventEnabledResponse>('PUT', `${base()}/events/${NO_DOB}`, { enabled: true });
    expect(enabled.status).toBe(200);
    expect(enabled.body.event).toMatchObject({ enabled: true, mappingSetId: 'standard', mappingCount: exampleMappingDtos().length });
    expect(await stack.store.getEventConfig(connection.id, NO_DOB)).toMatchObject({ enabled: true, mappingSetId: 'standard', mappings: [] });
  });

  it('refuses a set that does not fit one of its events, naming it, and keeps the saved one', async () => {
    const withDob: ObjectMappingDto[] = exampleMappingDtos();
    const row = withDob[1]!.property_mappings.push({ pretix_field: 'question_DOB', external_field: 'company', value_map: '', overwrite: 'if_empty' }) - 1;
    const refused = await stack.api.send<ApiError>('PUT', `${base()}/mapping-sets/standard`, { mappings: withDob });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain(NO_DOB);
    expect(Object.keys(refused.body.fieldErrors ?? {})).toEqual([`events.${NO_DOB}.mappings.1.property_mappings.${row}.pretix_field`]);
    const { body } = await stack.api.get<MappingSetsResponse>(`${base()}/mapping-sets`);
    expect(body.sets[0]!.mappings[1]!.property_mappings.some((p) => p.pretix_field === 'question_DOB')).toBe(false);
  });

  it('refuses to delete a set while an event uses it or "sync every event" gives it to new events, naming why, and deletes it once nothing does', async () => {
    const before = (await stack.store.getMappingSet(connection.id, 'standard'));
    const inUse = await stack.api.send<ApiError>('DELETE', `${base()}/mapping-sets/standard`);
    expect(inUse.status).toBe(409);
    expect(inUse.body).toMatchObject({ error: 'mapping_set_in_use' });
    expect(inUse.body.message).toContain(NO_DOB);
    expect((await stack.store.getMappingSet(connection.id, 'standard'))).toEqual(before);
    expect((await stack.store.getEventConfig(connection.id, NO_DOB))?.mappingSetId).toBe('standard');

    await stack.api.send('PUT', `${base()}/events/${NO_DOB}/mapping-set`, { set: null });
    await stack.store.saveConnection({ ...(await stack.store.getConnection(connection.id))!, defaultMappingSetId: 'standard' });
    const isDefault = await stack.api.send<ApiError>('DELETE', `${base()}/mapping-sets/standard`);
    expect(isDefault.status).toBe(409);
    expect(isDefault.body).toMatchObject({ error: 'mapping_set_is_default' });
    expect((await stack.store.getMappingSet(connection.id, 'standard'))).toEqual(before);

    await stack.store.saveConnection({ ...(await stack.store.getConnection(connection.id))!, defaultMappingSetId: null });
    const deleted = await stack.api.send<{ deleted: string }>('DELETE', `${base()}/mapping-sets/standard`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ deleted: 'standard' });
    expect((await stack.store.getMappingSet(connection.id, 'standard'))).toBeUndefined();
    const { body } = await stack.api.get<MappingSetsResponse>(`${base()}/mapping-sets`);
    expect(body.sets).toEqual([]);
    const again = await stack.api.send<ApiError>('DELETE', `${base()}/mapping-sets/standard`);
    expect(again.status).toBe(404);
  });

  it('refuses a set id that is not a slug, and answers another portal 404', async () => {
    const bad = await stack.api.send<ApiError>('PUT', `${base()}/mapping-sets/Not%20A%20Slug`, { mappings: exampleMappingDtos() });
    expect(bad.status).toBe(400);
    const other = await stack.api.get<ApiError>(`${base()}/mapping-sets`, {}, '999999');
    expect(other.status).toBe(404);
    await stack.api.send('PUT', `${base()}/mapping-sets/kept`, { mappings: exampleMappingDtos() });
    const foreignDelete = await stack.api.send<ApiError>('DELETE', `${base()}/mapping-sets/kept`, undefined, '999999');
    expect(foreignDelete.status).toBe(404);
    expect((await stack.store.getMappingSet(connection.id, 'kept'))).toBeDefined();
  });
});
