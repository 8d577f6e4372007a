// Associations v4 endpoints of the fake: default (unlabelled) associations only.
import type { HubSpotObjectType } from '../../../receiver/domain/mapping-schema';
import type { FakeCore } from './core';
import { batchInputs, isRecord, parseObjectType, scramble, validationError } from './http';
import { defaultAssociationTypeId, type Portal } from './portal';

const scope = (access: 'read' | 'write') => (params: Record<string, string>) =>
  `crm.objects.${parseObjectType(params.fromObjectType ?? '')}.${access}`;

function idOf(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  const id = value.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

function spec(from: HubSpotObjectType, to: HubSpotObjectType) {
  return { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: defaultAssociationTypeId(from, to) };
}

function associationTypes(from: HubSpotObjectType, to: HubSpotObjectType) {
  return [{ category: 'HUBSPOT_DEFINED', typeId: defaultAssociationTypeId(from, to), label: null }];
}

function missingObjectError(portal: Portal, from: HubSpotObjectType, fromId: string, to: HubSpotObjectType, toId: string) {
  const missing = [
    ...(portal.store(from).has(fromId) ? [] : [[from, fromId] as const]),
    ...(portal.store(to).has(toId) ? [] : [[to, toId] as const]),
  ];
  if (missing.length === 0) return undefined;
  return {
    status: 'error',
    category: 'VALIDATION_ERROR',
    subCategory: 'crm.associations.INVALID_OBJECT_IDS',
    message: missing.map(([type, id]) => `No ${type} with id ${id} exists`).join('; '),
    context: { ids: missing.map(([, id]) => id) },
  };
}

export function registerAssociationRoutes(core: FakeCore): void {
  core.crmRoute(
    'POST',
    '/crm/v4/associations/:fromObjectType/:toObjectType/batch/associate/default',
    { scope: scope('write') },
    (request, { portal, params }, reply) => {
      const startedAt = new Date(core.now()).toISOString();
      const from = parseObjectType(params.fromObjectType!);
      const to = parseObjectType(params.toObjectType!);
      const results: unknown[] = [];
      const errors: unknown[] = [];
      batchInputs(request.body).forEach((input, index) => {
        const fromId = idOf(input.from);
        const toId = idOf(input.to);
        if (fromId === undefined || toId === undefined) throw validationError(`inputs[${index}] needs from.id and to.id`);
        const error = missingObjectError(portal, from, fromId, to, toId);
        if (error) {
          errors.push(error);
          return;
        }
        portal.associate(from, fromId, to, toId);
        results.push({ from: { id: fromId }, to: { id: toId }, associationSpec: spec(from, to) });
      });
      return reply.code(errors.length > 0 ? 207 : 200).send({
        status: 'COMPLETE',
        results: scramble(results, core.shuffleSeed()),
        startedAt,
        completedAt: new Date(core.now()).toISOString(),
        ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
      });
    },
  );

  core.crmRoute(
    'PUT',
    '/crm/v4/objects/:fromObjectType/:fromObjectId/associations/default/:toObjectType/:toObjectId',
    { scope: scope('write') },
    (_request, { portal, params }) => {
      const from = parseObjectType(params.fromObjectType!);
      const to = parseObjectType(params.toObjectType!);
      const error = missingObjectError(portal, from, params.fromObjectId!, to, params.toObjectId!);
      if (error) throw validationError(error.message, { context: error.context, subCategory: error.subCategory });
      portal.associate(from, params.fromObjectId!, to, params.toObjectId!);
      return {
        status: 'COMPLETE',
        results: [{ from: { id: params.fromObjectId }, to: { id: params.toObjectId }, associationSpec: spec(from, to) }],
      };
    },
  );

  core.crmRoute(
    'GET',
    '/crm/v4/objects/:fromObjectType/:fromObjectId/associations/:toObjectType',
    { scope: scope('read') },
    (request, { portal, params }) => {
      const from = parseObjectType(params.fromObjectType!);
      const to = parseObjectType(params.toObjectType!);
      const query = request.query as Record<string, string | undefined>;
      const limit = Math.min(Number(query.limit ?? 500) || 500, 500);
      const offset = Number(query.after ?? 0) || 0;
      const ids = portal.associatedIds(from, params.fromObjectId!, to);
      const page = ids.slice(offset, offset + limit);
      return {
        results: page.map((id) => ({ toObjectId: Number(id), associationTypes: associationTypes(from, to) })),
        ...(offset + limit < ids.length ? { paging: { next: { after: String(offset + limit) } } } : {}),
      };
    },
  );

  core.crmRoute(
    'POST',
    '/crm/v4/associations/:fromObjectType/:toObjectType/batch/read',
    { scope: scope('read') },
    (request, { portal, params }, reply) => {
      const from = parseObjectType(params.fromObjectType!);
      const to = parseObjectType(params.toObjectType!);
      const results: unknown[] = [];
      const missing: string[] = [];
      batchInputs(request.body, 1000).forEach((input, index) => {
        const id = idOf(input);
        if (id === undefined) throw validationError(`inputs[${index}].id is required`);
        if (!portal.store(from).has(id)) {
          missing.push(id);
          return;
        }
        const ids = portal.associatedIds(from, id, to);
        results.push({ from: { id }, to: ids.map((toId) => ({ toObjectId: Number(toId), associationTypes: associationTypes(from, to) })) });
      });
      const errors = missing.length
        ? [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: `No ${from} with these ids exist`, context: { ids: missing } }]
        : [];
      return reply.code(errors.length > 0 ? 207 : 200).send({
        status: 'COMPLETE',
        results,
        ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
      });
    },
  );
}
