// CRM object endpoints of the fake: batch upsert, batch read, single read and search (reference/hubspot.md §5).
import type { HubSpotObjectType } from '../../../receiver/domain/mapping-schema';
import type { FakeCore } from './core';
import {
  batchInputs,
  isRecord,
  notFound,
  parseObjectType,
  requireStringArray,
  scramble,
  validationError,
} from './http';
import type { Portal, StoredObject } from './portal';
import {
  DEFAULT_READ_PROPERTIES,
  LAST_MODIFIED_PROPERTY,
  checkValue,
  isIdProperty,
  normalizeIdValue,
  propertyProblemsMessage,
  unknownPropertyProblem,
  type ValueProblem,
} from './properties';

const SINGULAR: Record<HubSpotObjectType, string> = { contacts: 'CONTACT', deals: 'DEAL', companies: 'COMPANY' };

const objectScope = (access: 'read' | 'write') => (params: Record<string, string>) =>
  `crm.objects.${parseObjectType(params.objectType ?? '')}.${access}`;

/** Requested properties that exist, or the type's defaults when none are named; hs_object_id always. */
export function project(portal: Portal, type: HubSpotObjectType, object: StoredObject, requested: string[]): Record<string, string | null> {
  const names = requested.length === 0 ? DEFAULT_READ_PROPERTIES[type] : ['hs_object_id', ...requested];
  const out: Record<string, string | null> = {};
  for (const name of names) {
    if (portal.definition(type, name)) out[name] = object.properties[name] ?? null;
  }
  return out;
}

function publicObject(portal: Portal, type: HubSpotObjectType, object: StoredObject, requested: string[], withHistory: string[] = []) {
  const base = {
    id: object.id,
    properties: project(portal, type, object, requested),
    createdAt: object.createdAt,
    updatedAt: object.updatedAt,
    archived: object.archived,
  };
  if (withHistory.length === 0) return base;
  const history: Record<string, Array<{ value: string; timestamp: string; sourceType: string }>> = {};
  for (const name of withHistory) {
    const value = object.properties[name];
    history[name] = value === undefined ? [] : [{ value, timestamp: object.updatedAt, sourceType: 'API' }];
  }
  return { ...base, propertiesWithHistory: history };
}

function idPropertyOf(portal: Portal, type: HubSpotObjectType, raw: unknown, required: boolean): string {
  if (raw === undefined && !required) return 'hs_object_id';
  if (typeof raw !== 'string' || raw === '') {
    throw validationError('idProperty is required: use email (contacts) or a property with hasUniqueValue');
  }
  if (raw === 'hs_object_id' && !required) return raw;
  if (!isIdProperty(type, portal.definition(type, raw))) {
    throw validationError(
      `${raw} is not a unique property. Use ${type === 'contacts' ? 'email or ' : ''}a property created with hasUniqueValue: true as idProperty.`,
      { context: { idProperty: [raw] } },
    );
  }
  return raw;
}

interface UpsertInput {
  idProperty: string;
  id: string;
  properties: Record<string, unknown>;
}

function readUpsertInputs(portal: Portal, type: HubSpotObjectType, body: unknown): UpsertInput[] {
  return batchInputs(body).map((input, index) => {
    if (typeof input.id !== 'string' || input.id === '') throw validationError(`inputs[${index}].id is required and must be a string`);
    if (!isRecord(input.properties)) throw validationError(`inputs[${index}].properties is required and must be an object`);
    return { idProperty: idPropertyOf(portal, type, input.idProperty, true), id: input.id, properties: input.properties };
  });
}

function rejectDuplicates(type: HubSpotObjectType, inputs: UpsertInput[]): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const input of inputs) {
    const key = `${input.idProperty}\u0000${normalizeIdValue(type, input.idProperty, input.id)}`;
    if (seen.has(key)) duplicates.add(input.id);
    seen.add(key);
  }
  if (duplicates.size > 0) {
    throw validationError(`Duplicate IDs found in batch input: [${[...duplicates].join(', ')}]. IDs must be unique`, {
      context: { ids: [...duplicates] },
    });
  }
}

/** HubSpot rejects the whole batch when any input names a property the portal does not have. */
function rejectUnknownProperties(portal: Portal, type: HubSpotObjectType, inputs: UpsertInput[]): void {
  const unknown = new Set<string>();
  for (const input of inputs) for (const name of Object.keys(input.properties)) if (!portal.definition(type, name)) unknown.add(name);
  if (unknown.size > 0) {
    throw validationError(propertyProblemsMessage([...unknown].map(unknownPropertyProblem)), {
      context: { properties: [...unknown] },
    });
  }
}

function upsertOne(portal: Portal, type: HubSpotObjectType, input: UpsertInput) {
  const problems: ValueProblem[] = [];
  const idCheck = checkValue(type, portal.definition(type, input.idProperty)!, input.id);
  if (!idCheck.ok) problems.push(idCheck.problem);
  const values: Record<string, string> = idCheck.ok ? { [input.idProperty]: idCheck.value } : {};
  for (const [name, raw] of Object.entries(input.properties)) {
    const check = checkValue(type, portal.definition(type, name)!, raw);
    if (check.ok) values[name] = check.value;
    else problems.push(check.problem);
  }
  const existing = portal.findByProperty(type, input.idProperty, input.id);
  for (const [name, value] of Object.entries(values)) {
    if (value === '') continue;
    const owner = portal.uniqueOwner(type, name, value);
    if (owner !== undefined && owner !== existing?.id) {
      problems.push({
        isValid: false,
        message: `${value} is already the value of ${name} on ${SINGULAR[type]} ${owner}`,
        error: 'CONFLICTING_UNIQUE_VALUE',
        name,
        localizedErrorMessage: `Property "${name}" must be unique`,
      });
    }
  }
  if (problems.length > 0) return { problems } as const;
  const names = Object.keys(values);
  if (existing) {
    portal.apply(type, existing, values);
    return { object: existing, created: false, names };
  }
  return { object: portal.create(type, values), created: true, names };
}

export function registerObjectRoutes(core: FakeCore): void {
  core.crmRoute('POST', '/crm/v3/objects/:objectType/batch/upsert', { scope: objectScope('write') }, (request, { portal, params }, reply) => {
    const startedAt = new Date(core.now()).toISOString();
    const type = parseObjectType(params.objectType!);
    const inputs = readUpsertInputs(portal, type, request.body);
    rejectDuplicates(type, inputs);
    rejectUnknownProperties(portal, type, inputs);
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const input of inputs) {
      const outcome = upsertOne(portal, type, input);
      if (outcome.problems) {
        errors.push({
          status: 'error',
          category: 'VALIDATION_ERROR',
          message: propertyProblemsMessage(outcome.problems),
          context: { ids: [input.id] },
          errors: outcome.problems.map((p) => ({ message: p.message, code: p.error, context: { propertyName: [p.name] } })),
        });
        continue;
      }
      const shown = ['createdate', LAST_MODIFIED_PROPERTY[type], ...outcome.names];
      results.push({ ...publicObject(portal, type, outcome.object, shown), new: outcome.created });
    }
    const body = {
      status: 'COMPLETE',
      results: scramble(results, core.shuffleSeed()),
      startedAt,
      completedAt: new Date(core.now()).toISOString(),
      ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
    };
    return reply.code(errors.length > 0 ? 207 : 200).send(body);
  });

  core.crmRoute('POST', '/crm/v3/objects/:objectType/batch/read', { scope: objectScope('read') }, (request, { portal, params }, reply) => {
    const startedAt = new Date(core.now()).toISOString();
    const type = parseObjectType(params.objectType!);
    const inputs = batchInputs(request.body);
    const body = request.body as Record<string, unknown>;
    // HubSpot's schema marks both as required; a client that omits them is wrong even if it "works" elsewhere.
    const properties = requireStringArray(body, 'properties');
    const withHistory = requireStringArray(body, 'propertiesWithHistory');
    const idProperty = idPropertyOf(portal, type, body.idProperty, false);
    const results = new Map<string, unknown>();
    const missing: string[] = [];
    inputs.forEach((input, index) => {
      if (typeof input.id !== 'string' || input.id === '') throw validationError(`inputs[${index}].id is required and must be a string`);
      const object = portal.findByProperty(type, idProperty, input.id);
      if (!object) missing.push(input.id);
      else results.set(object.id, publicObject(portal, type, object, properties, withHistory));
    });
    const errors =
      missing.length === 0
        ? []
        : [
            {
              status: 'error',
              category: 'OBJECT_NOT_FOUND',
              message: `Could not get some ${SINGULAR[type]} objects, they may be deleted or not exist. Check that ids are valid.`,
              context: { ids: missing },
            },
          ];
    return reply.code(errors.length > 0 ? 207 : 200).send({
      status: 'COMPLETE',
      results: scramble([...results.values()], core.shuffleSeed()),
      startedAt,
      completedAt: new Date(core.now()).toISOString(),
      ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
    });
  });

  core.crmRoute('GET', '/crm/v3/objects/:objectType/:objectId', { scope: objectScope('read') }, (request, { portal, params }) => {
    const type = parseObjectType(params.objectType!);
    const query = request.query as Record<string, string | string[] | undefined>;
    const properties = [query.properties ?? []].flat().flatMap((p) => p.split(',')).filter((p) => p !== '');
    const idProperty = idPropertyOf(portal, type, query.idProperty, false);
    const object = portal.findByProperty(type, idProperty, params.objectId!);
    if (!object) throw notFound('Object not found.  objectId are usually numeric.', { context: { id: [params.objectId] } });
    return publicObject(portal, type, object, properties);
  });

  core.crmRoute('POST', '/crm/v3/objects/:objectType/search', { scope: objectScope('read'), search: true }, (request, { portal, params }) => {
    const type = parseObjectType(params.objectType!);
    const search = readSearch(request.body);
    const visibleBefore = core.now() - core.searchLagMs();
    const matches = [...portal.store(type).values()]
      .filter((object) => core.searchLagMs() === 0 || Date.parse(object.createdAt) <= visibleBefore)
      .filter((object) => matchesSearch(portal, type, object, search))
      .sort(comparator(portal, type, search.sorts));
    const offset = Number.parseInt(search.after || '0', 10) || 0;
    const page = matches.slice(offset, offset + search.limit);
    const next = offset + search.limit < matches.length ? { paging: { next: { after: String(offset + search.limit) } } } : {};
    return { total: matches.length, results: page.map((o) => publicObject(portal, type, o, search.properties)), ...next };
  });
}

interface Filter {
  propertyName: string;
  operator: string;
  value?: string;
  values?: string[];
  highValue?: string;
}

interface Search {
  filterGroups: Array<{ filters: Filter[] }>;
  sorts: Array<{ propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }>;
  properties: string[];
  limit: number;
  after: string;
  query?: string;
}

const OPERATORS = new Set([
  'EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'IN', 'NOT_IN',
  'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN',
]);

function readSearch(body: unknown): Search {
  if (!isRecord(body)) throw validationError('Invalid input JSON: search body must be an object');
  // The search schema marks these four as required (reference §6).
  for (const field of ['after', 'limit', 'properties', 'sorts']) {
    if (body[field] === undefined) throw validationError(`Invalid input JSON: "${field}" is required`);
  }
  const limit = body.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || limit > 200) {
    throw validationError('limit must be an integer between 0 and 200');
  }
  const filterGroups = body.filterGroups ?? [];
  if (!Array.isArray(filterGroups) || filterGroups.length > 6) throw validationError('filterGroups must be an array of at most 6 groups');
  for (const group of filterGroups) {
    if (!isRecord(group) || !Array.isArray(group.filters)) throw validationError('every filter group needs a filters array');
    for (const filter of group.filters) {
      if (!isRecord(filter) || typeof filter.propertyName !== 'string' || typeof filter.operator !== 'string' || !OPERATORS.has(filter.operator)) {
        throw validationError(`Invalid filter ${JSON.stringify(filter)}`);
      }
    }
  }
  if (typeof body.query === 'string' && body.query.length > 3000) throw validationError('query must be at most 3000 characters');
  const sorts = (Array.isArray(body.sorts) ? body.sorts : []).map((sort) =>
    typeof sort === 'string'
      ? { propertyName: sort.replace(/^-/, ''), direction: sort.startsWith('-') ? 'DESCENDING' : 'ASCENDING' }
      : sort,
  );
  return {
    filterGroups: filterGroups as Search['filterGroups'],
    sorts: sorts as Search['sorts'],
    properties: requireStringArray(body, 'properties'),
    limit,
    after: String(body.after),
    query: typeof body.query === 'string' ? body.query : undefined,
  };
}

function comparable(portal: Portal, type: HubSpotObjectType, property: string, value: string): number | string {
  const definition = portal.definition(type, property);
  if (definition?.type === 'number' || property === 'hs_object_id') return Number(value);
  if (definition?.type === 'datetime' || definition?.type === 'date') {
    return /^-?\d+$/.test(value) ? Number(value) : Date.parse(value);
  }
  return value.toLowerCase();
}

function matchesFilter(portal: Portal, type: HubSpotObjectType, object: StoredObject, filter: Filter): boolean {
  const raw = object.properties[filter.propertyName];
  if (filter.operator === 'HAS_PROPERTY') return raw !== undefined;
  if (filter.operator === 'NOT_HAS_PROPERTY') return raw === undefined;
  const negated = filter.operator === 'NEQ' || filter.operator === 'NOT_IN' || filter.operator === 'NOT_CONTAINS_TOKEN';
  if (raw === undefined) return negated;
  const c = (v: string) => comparable(portal, type, filter.propertyName, v);
  const actual = c(raw);
  const value = filter.value === undefined ? undefined : c(String(filter.value));
  switch (filter.operator) {
    case 'EQ':
      return actual === value;
    case 'NEQ':
      return actual !== value;
    case 'IN':
      return (filter.values ?? []).some((v) => c(String(v)) === actual);
    case 'NOT_IN':
      return !(filter.values ?? []).some((v) => c(String(v)) === actual);
    case 'LT':
      return value !== undefined && actual < value;
    case 'LTE':
      return value !== undefined && actual <= value;
    case 'GT':
      return value !== undefined && actual > value;
    case 'GTE':
      return value !== undefined && actual >= value;
    case 'BETWEEN':
      return value !== undefined && filter.highValue !== undefined && actual >= value && actual <= c(String(filter.highValue));
    case 'CONTAINS_TOKEN':
      return raw.toLowerCase().includes(String(filter.value ?? '').replace(/\*/g, '').toLowerCase());
    case 'NOT_CONTAINS_TOKEN':
      return !raw.toLowerCase().includes(String(filter.value ?? '').replace(/\*/g, '').toLowerCase());
    default:
      return false;
  }
}

function matchesSearch(portal: Portal, type: HubSpotObjectType, object: StoredObject, search: Search): boolean {
  if (search.query) {
    const needle = search.query.toLowerCase();
    const haystack = DEFAULT_READ_PROPERTIES[type].map((name) => object.properties[name] ?? '').join(' ').toLowerCase();
    if (!haystack.includes(needle)) return false;
  }
  if (search.filterGroups.length === 0) return true;
  return search.filterGroups.some((group) => group.filters.every((filter) => matchesFilter(portal, type, object, filter)));
}

function comparator(portal: Portal, type: HubSpotObjectType, sorts: Search['sorts']) {
  return (a: StoredObject, b: StoredObject): number => {
    for (const sort of sorts) {
      const x = comparable(portal, type, sort.propertyName, a.properties[sort.propertyName] ?? '');
      const y = comparable(portal, type, sort.propertyName, b.properties[sort.propertyName] ?? '');
      if (x !== y) return (x < y ? -1 : 1) * (sort.direction === 'DESCENDING' ? -1 : 1);
    }
    return Number(a.id) - Number(b.id);
  };
}
