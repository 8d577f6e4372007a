import { describe, expect, it } from 'vitest';
import type { QuestionType } from '../../receiver/pretix/schemas';
import { compatibility } from '../../receiver/sync/type-compatibility';

describe('the table from pretix’s HubSpot guide', () => {
  it.each([
    ['S', 'string', 'text'],
    ['N', 'number', 'number'],
    ['N', 'string', 'text'],
    ['C', 'enumeration', 'select'],
    ['W', 'datetime', 'date'],
  ] as [QuestionType, string, string][])('%s → %s fits', (source, type, fieldType) => {
    expect(compatibility(source, type, fieldType).ok).toBe(true);
  });

  it.each([
    ['S', 'number'],
    ['C', 'string'],
    ['W', 'date'],
    ['W', 'string'],
    ['N', 'enumeration'],
  ] as [QuestionType, string][])('%s → %s is flagged with a hint', (source, type) => {
    const result = compatibility(source, type);
    expect(result.ok).toBe(false);
    expect(result.hint).toMatch(/Use a .* property/);
  });
});

describe('the other pretix types', () => {
  it.each([
    ['B', 'bool', 'booleancheckbox'],
    ['B', 'enumeration', 'radio'],
    ['B', 'string', 'text'],
    ['D', 'date', 'date'],
    ['D', 'string', 'text'],
    ['M', 'enumeration', 'checkbox'],
    ['M', 'enumeration', undefined],
    ['T', 'string', 'textarea'],
    ['H', 'string', 'text'],
    ['CC', 'string', 'text'],
    ['CC', 'enumeration', 'select'],
    ['TEL', 'phone_number', 'phonenumber'],
    ['TEL', 'string', 'text'],
  ] as [QuestionType, string, string | undefined][])('%s → %s (%s) fits', (source, type, fieldType) => {
    expect(compatibility(source, type, fieldType).ok).toBe(true);
  });

  it.each([
    ['B', 'number'],
    ['D', 'datetime'],
    ['M', 'string'],
    ['T', 'number'],
    ['H', 'datetime'],
    ['TEL', 'number'],
    ['S', 'bool'],
  ] as [QuestionType, string][])('%s → %s does not', (source, type) => {
    expect(compatibility(source, type).ok).toBe(false);
  });
});

describe('hints', () => {
  it('explains why a datetime cannot go into a date property', () => {
    expect(compatibility('W', 'date').hint).toMatch(/midnight UTC/);
  });

  it('asks for multiple checkboxes for a multiple-choice question', () => {
    const dropdown = compatibility('M', 'enumeration', 'select');
    expect(dropdown.ok).toBe(false);
    expect(dropdown.hint).toMatch(/multiple checkboxes/);
    expect(compatibility('M', 'enumeration', 'checkbox').hint).toMatch(/";"/);
  });

  it('reminds that enumeration options must match identifiers or a value map', () => {
    expect(compatibility('C', 'enumeration', 'select').hint).toMatch(/value map/);
    expect(compatibility('B', 'enumeration', 'select').hint).toMatch(/"true" and "false"/);
    expect(compatibility('CC', 'enumeration').hint).toMatch(/ISO 3166-1/);
  });

  it('names the pretix type in the generic hint', () => {
    expect(compatibility('TEL', 'number').hint).toBe('"Phone number" values do not fit a number property. Use a phone number property.');
  });

  it('refuses calculated properties, unknown HubSpot types and file questions', () => {
    expect(compatibility('N', 'number', 'calculation_equation')).toEqual({ ok: false, hint: expect.stringMatching(/read-only/) });
    expect(compatibility('S', 'object_coordinates')).toEqual({ ok: false, hint: 'Unknown HubSpot property type "object_coordinates".' });
    expect(compatibility('F', 'string').ok).toBe(false);
  });

  it('gives no hint for a plain fit', () => {
    expect(compatibility('S', 'string', 'text')).toEqual({ ok: true });
    expect(compatibility('W', 'datetime', 'date')).toEqual({ ok: true });
  });
});
