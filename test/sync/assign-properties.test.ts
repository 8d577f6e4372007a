import { describe, expect, it } from 'vitest';
import { assignProperties, readPropertiesNeeded } from '../../receiver/sync/assign-properties';
import { SyncConfigError } from '../../receiver/domain/errors';
import { planOrderSync, type PlannedProperty } from '../../receiver/sync/mapping-engine';
import { mappingFileSchema, type Mode } from '../../receiver/domain/mapping-schema';
import { loadFixture } from '../fixtures';
import { fixtureContext, paidOrder } from './event-context';

const p = (field: string, value: string | null, mode: Mode): PlannedProperty => ({ field, value, mode });

describe('overwrite', () => {
  it('always sets, an empty value as ""', () => {
    const planned = [p('city', 'Berlin', 'overwrite'), p('zip', null, 'overwrite'), p('company', '', 'overwrite')];
    expect(assignProperties(planned, { city: 'Berlin', zip: '10117', company: 'ACME' }, false)).toEqual({
      city: 'Berlin',
      zip: '',
      company: '',
    });
    expect(assignProperties(planned, undefined, true)).toEqual({ city: 'Berlin', zip: '', company: '' });
  });

  it('the last of several entries wins', () => {
    expect(assignProperties([p('city', 'Berlin', 'overwrite'), p('city', 'Bonn', 'overwrite')], {}, false)).toEqual({ city: 'Bonn' });
  });
});

describe('if_new (Fill if new)', () => {
  it('sets a non-empty value on a new object', () => {
    expect(assignProperties([p('firstname', 'Jane', 'if_new'), p('lastname', null, 'if_new'), p('x', '', 'if_new')], undefined, true)).toEqual({
      firstname: 'Jane',
    });
  });

  it('never touches an existing object, even where its value is empty', () => {
    expect(assignProperties([p('firstname', 'Jane', 'if_new')], { firstname: 'J.' }, false)).toEqual({});
    expect(assignProperties([p('firstname', 'Jane', 'if_new')], { firstname: null }, false)).toEqual({});
    expect(assignProperties([p('firstname', 'Jane', 'if_new')], {}, false)).toEqual({});
  });

  it('does not replace a value an earlier entry set in this run', () => {
    expect(assignProperties([p('firstname', 'Jane', 'if_new'), p('firstname', 'Janet', 'if_new')], undefined, true)).toEqual({ firstname: 'Jane' });
    expect(assignProperties([p('firstname', 'Jo', 'overwrite'), p('firstname', 'Jane', 'if_new')], undefined, true)).toEqual({ firstname: 'Jo' });
    // An earlier overwrite with an empty value leaves the field empty, so it can still be filled.
    expect(assignProperties([p('firstname', null, 'overwrite'), p('firstname', 'Jane', 'if_new')], undefined, true)).toEqual({ firstname: 'Jane' });
  });
});

describe('if_empty (Fill if empty)', () => {
  it('fills empty, null and missing properties of existing objects', () => {
    const planned = [p('a', 'x', 'if_empty'), p('b', 'y', 'if_empty'), p('c', 'z', 'if_empty')];
    expect(assignProperties(planned, { a: '', b: null }, false)).toEqual({ a: 'x', b: 'y', c: 'z' });
    expect(assignProperties(planned, undefined, true)).toEqual({ a: 'x', b: 'y', c: 'z' });
  });

  it('keeps a filled property and never writes an empty value', () => {
    expect(assignProperties([p('company', 'ACME', 'if_empty')], { company: 'Initech' }, false)).toEqual({});
    expect(assignProperties([p('company', null, 'if_empty'), p('zip', '', 'if_empty')], { company: '' }, false)).toEqual({});
  });

  it('counts a value set earlier in this run', () => {
    expect(assignProperties([p('company', 'ACME', 'if_empty'), p('company', 'Initech', 'if_empty')], { company: '' }, false)).toEqual({ company: 'ACME' });
  });

  it('treats the text "false" as a value (booleans arrive as text)', () => {
    expect(assignProperties([p('newsletter', 'false', 'if_empty')], { newsletter: '' }, false)).toEqual({ newsletter: 'false' });
  });
});

describe('append (Add to list)', () => {
  it('starts a list on an empty property', () => {
    expect(assignProperties([p('events', 'democon', 'append')], { events: null }, false)).toEqual({ events: 'democon' });
    expect(assignProperties([p('events', 'democon', 'append')], undefined, true)).toEqual({ events: 'democon' });
  });

  it('appends with the separator', () => {
    expect(assignProperties([p('events', 'democon', 'append')], { events: 'devcon;testcon' }, false)).toEqual({ events: 'devcon;testcon;democon' });
  });

  it('does not send the property when the item is already in the list', () => {
    expect(assignProperties([p('events', 'democon', 'append')], { events: 'devcon;democon' }, false)).toEqual({});
    expect(assignProperties([p('events', 'democon', 'append')], { events: 'democon' }, false)).toEqual({});
    // Compared without surrounding spaces, as a person may have typed "devcon; democon".
    expect(assignProperties([p('events', 'democon', 'append')], { events: 'devcon; democon' }, false)).toEqual({});
  });

  it('does not match substrings', () => {
    expect(assignProperties([p('events', 'con', 'append')], { events: 'democon' }, false)).toEqual({ events: 'democon;con' });
  });

  it('removes the separator from the new item', () => {
    expect(assignProperties([p('events', 'demo;con', 'append')], { events: 'devcon' }, false)).toEqual({ events: 'devcon;democon' });
    expect(assignProperties([p('events', ';;', 'append')], { events: 'devcon' }, false)).toEqual({});
  });

  it('drops empty items left by stray separators', () => {
    expect(assignProperties([p('events', 'democon', 'append')], { events: 'devcon;;' }, false)).toEqual({ events: 'devcon;democon' });
  });

  it('skips empty values and works on existing objects', () => {
    expect(assignProperties([p('events', null, 'append'), p('tags', '', 'append')], { events: 'devcon' }, false)).toEqual({});
  });

  it('collects several entries of one run', () => {
    expect(assignProperties([p('tickets', 'Q7X3M-1', 'append'), p('tickets', 'Q7X3M-2', 'append'), p('tickets', 'Q7X3M-1', 'append')], { tickets: 'A-1' }, false)).toEqual({
      tickets: 'A-1;Q7X3M-1;Q7X3M-2',
    });
  });

  it('uses another separator when given', () => {
    expect(assignProperties([p('events', 'democon', 'append')], { events: 'devcon,testcon' }, false, ',')).toEqual({ events: 'devcon,testcon,democon' });
    expect(assignProperties([p('events', 'a,b', 'append')], { events: 'devcon' }, false, ',')).toEqual({ events: 'devcon,ab' });
  });
});

it('rejects an unknown mode', () => {
  expect(() => assignProperties([p('x', 'y', 'replace' as Mode)], {}, false)).toThrow(SyncConfigError);
});

describe('readPropertiesNeeded', () => {
  it('lists every property of a non-overwrite mode once', () => {
    const mappings = mappingFileSchema.parse(loadFixture('datasync-object-mappings-example'));
    const { objects } = planOrderSync(paidOrder(), mappings, fixtureContext());
    expect(readPropertiesNeeded(objects)).toEqual(['company', 'pretix_events', 'firstname', 'lastname']);
  });

  it('is empty when everything is overwritten, so the batch read can be skipped', () => {
    const mappings = mappingFileSchema.parse(loadFixture('datasync-object-mappings-example'));
    const { objects } = planOrderSync(paidOrder(), [mappings[2]!], fixtureContext());
    expect(readPropertiesNeeded(objects)).toEqual([]);
    expect(readPropertiesNeeded([])).toEqual([]);
  });
});
