import { describe, expect, it } from 'vitest';
import {
  draftFromResponse,
  draftReducer,
  encodeValueMap,
  keyByPath,
  mappingLabel,
  nextMappingId,
  parseValueMap,
  toSaveRequest,
  type Draft,
  type DraftAction,
} from '../../src/app/settings/mappings/draft';
import { mappings } from './settings-fixtures';

const apply = (draft: Draft, ...actions: DraftAction[]) => actions.reduce(draftReducer, draft);
const fresh = () => draftFromResponse(mappings);

describe('mapping draft', () => {
  it('round-trips the receiver’s mappings unchanged and starts clean', () => {
    const draft = fresh();
    expect(toSaveRequest(draft)).toEqual({ mappings: mappings.mappings });
    expect(draft.dirty).toBe(false);
  });

  it('attaches index-keyed warnings to rows, which survive reordering', () => {
    const draft = fresh();
    const statusRow = draft.mappings[0]!.property_mappings[1]!;
    expect(draft.warnings).toEqual({ [`${statusRow.key}.external_field`]: 'Order status is a choice, pretix_status is a number.' });
    const moved = apply(draft, { type: 'moveRow', mappingKey: draft.mappings[0]!.key, rowKey: statusRow.key, by: -1 });
    expect(moved.mappings[0]!.property_mappings[0]!.key).toBe(statusRow.key);
    expect(moved.warnings).toEqual(draft.warnings);
  });

  it('places field errors by path and reports the ones it cannot place', () => {
    const draft = fresh();
    const { keyed, unplaced } = keyByPath(draft, {
      'mappings.1.external_id_field': 'not unique',
      'mappings.0.property_mappings.0.pretix_field': 'unknown field',
      'mappings.0': 'whole mapping',
      'mappings.7.pretix_model': 'no such mapping',
      mappings: 'too many mappings',
    });
    expect(keyed).toEqual({
      [`${draft.mappings[1]!.key}.external_id_field`]: 'not unique',
      [`${draft.mappings[0]!.property_mappings[0]!.key}.pretix_field`]: 'unknown field',
      [draft.mappings[0]!.key]: 'whole mapping',
    });
    expect(unplaced).toEqual(['mappings.7.pretix_model: no such mapping', 'too many mappings']);
  });

  it('clears a field’s error when that field is edited, and only that one', () => {
    const draft = apply(fresh(), {
      type: 'rejected',
      fieldErrors: {
        'mappings.0.property_mappings.0.external_field': 'missing',
        'mappings.0.property_mappings.0.pretix_field': 'unknown',
      },
    });
    const row = draft.mappings[0]!.property_mappings[0]!;
    const edited = apply(draft, { type: 'setRowField', mappingKey: draft.mappings[0]!.key, rowKey: row.key, field: 'external_field', value: 'lastname' });
    expect(edited.errors).toEqual({ [`${row.key}.pretix_field`]: 'unknown' });
    expect(edited.dirty).toBe(true);
  });

  it('adds mappings with the usual identifier and a fresh numeric id', () => {
    const draft = apply(fresh(), { type: 'addMapping', pretixModel: 'OrderPosition', objectType: 'contacts' });
    expect(toSaveRequest(draft).mappings[2]).toEqual({
      id: 3,
      pretix_model: 'OrderPosition',
      external_object_type: 'contacts',
      pretix_id_field: 'attendee_email',
      external_id_field: 'email',
      property_mappings: [],
      association_mappings: [],
    });
    expect(nextMappingId([{ id: 'abc' }])).toBe(1);
    expect(nextMappingId([{ id: 4 }, { id: '9' }])).toBe(10);
  });

  it('drops associations that would point at a later mapping after a move or delete', () => {
    const draft = fresh();
    const [contacts, deals] = draft.mappings;
    const movedUp = apply(draft, { type: 'moveMapping', mappingKey: deals!.key, by: -1 });
    expect(toSaveRequest(movedUp).mappings.map((m) => [m.id, m.association_mappings])).toEqual([
      [2, []],
      [1, []],
    ]);
    const deleted = apply(draft, { type: 'removeMapping', mappingKey: contacts!.key });
    expect(toSaveRequest(deleted).mappings).toHaveLength(1);
    expect(toSaveRequest(deleted).mappings[0]!.association_mappings).toEqual([]);
    // Moving past the ends is a no-op.
    expect(toSaveRequest(apply(draft, { type: 'moveMapping', mappingKey: contacts!.key, by: -1 }))).toEqual(toSaveRequest(draft));
  });

  it('resets to the saved mappings after a save', () => {
    const dirty = apply(fresh(), { type: 'addRow', mappingKey: fresh().mappings[0]!.key });
    const saved = apply(dirty, { type: 'saved', response: { mappings: toSaveRequest(dirty).mappings, warnings: {} } });
    expect(saved.dirty).toBe(false);
    expect(saved.mappings[0]!.property_mappings).toHaveLength(3);
  });

  it('labels mappings the way the card does', () => {
    expect(mappingLabel(mappings.mappings[0]!)).toBe('Order → Contacts by email');
    expect(mappingLabel({ pretix_model: 'OrderPosition', external_object_type: 'deals', external_id_field: '' })).toBe('Order position → Deals by …');
  });
});

describe('value maps (pretix’s JSON-encoded value_map)', () => {
  const options = [{ value: 'n' }, { value: 'p' }, { value: 'c' }];

  it('encodes non-empty entries in option order, and "" when empty', () => {
    expect(encodeValueMap(options, { c: 'lost', n: 'open', p: '' })).toBe('{"n":"open","c":"lost"}');
    expect(encodeValueMap(options, { n: '' })).toBe('');
  });

  it('keeps entries for options the field no longer offers', () => {
    expect(encodeValueMap(options, { r: 'refunded', p: 'paid' })).toBe('{"p":"paid","r":"refunded"}');
  });

  it('parses pretix’s strings and flags broken ones', () => {
    expect(parseValueMap('')).toEqual({ map: {}, invalid: false });
    expect(parseValueMap('{"p":"paid"}')).toEqual({ map: { p: 'paid' }, invalid: false });
    expect(parseValueMap('{"p":')).toEqual({ map: {}, invalid: true });
    expect(parseValueMap('["p"]')).toEqual({ map: {}, invalid: true });
  });
});
