// Properties and property groups endpoints of the fake.
import type { FakeCore } from './core';
import { FakeHttpError, errorBody, isRecord, notFound, parseObjectType, validationError } from './http';
import { validateDefinitionInput, type FieldType, type PropertyOption, type PropertyType } from './properties';

const schemaScope = (access: 'read' | 'write') => (params: Record<string, string>) =>
  `crm.schemas.${parseObjectType(params.objectType ?? '')}.${access}`;

function conflict(message: string): FakeHttpError {
  return new FakeHttpError(409, errorBody('OBJECT_ALREADY_EXISTS', message));
}

export function registerPropertyRoutes(core: FakeCore): void {
  core.crmRoute('GET', '/crm/v3/properties/:objectType', { scope: schemaScope('read') }, (_request, { portal, params }) => {
    const type = parseObjectType(params.objectType!);
    return { results: [...portal.definitions(type).values()] };
  });

  core.crmRoute('GET', '/crm/v3/properties/:objectType/groups', { scope: schemaScope('read') }, (_request, { portal, params }) => {
    const type = parseObjectType(params.objectType!);
    return { results: [...portal.groupsOf(type).values()] };
  });

  core.crmRoute('GET', '/crm/v3/properties/:objectType/:propertyName', { scope: schemaScope('read') }, (_request, { portal, params }) => {
    const type = parseObjectType(params.objectType!);
    const definition = portal.definition(type, params.propertyName!);
    if (!definition) throw notFound(`Unable to find property with name ${params.propertyName} on ${type}`);
    return definition;
  });

  core.crmRoute('POST', '/crm/v3/properties/:objectType', { scope: schemaScope('write') }, (request, { portal, params }, reply) => {
    const type = parseObjectType(params.objectType!);
    const body = request.body;
    if (!isRecord(body)) throw validationError('Invalid input JSON: property definition must be an object');
    const problems = validateDefinitionInput(body);
    if (problems.length > 0) throw validationError(`Invalid property definition: ${problems.join('; ')}`, { context: { problems } });
    const name = body.name as string;
    if (portal.definition(type, name)) throw conflict(`Property named '${name}' already exists.`);
    if (!portal.groupsOf(type).has(body.groupName as string)) {
      throw validationError(`Unable to find a property group named '${body.groupName as string}' on ${type}; create the group first.`);
    }
    const definition = portal.defineProperty(type, {
      name,
      label: body.label as string,
      type: body.type as PropertyType,
      fieldType: body.fieldType as FieldType,
      groupName: body.groupName as string,
      description: typeof body.description === 'string' ? body.description : '',
      hasUniqueValue: body.hasUniqueValue === true,
      formField: body.formField === true,
      hidden: body.hidden === true,
      displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : -1,
      options: ((body.options ?? []) as Array<Record<string, unknown>>).map(
        (option, index): PropertyOption => ({
          label: String(option.label),
          value: String(option.value),
          displayOrder: typeof option.displayOrder === 'number' ? option.displayOrder : index,
          hidden: option.hidden === true,
        }),
      ),
    });
    return reply.code(201).send(definition);
  });

  core.crmRoute('POST', '/crm/v3/properties/:objectType/groups', { scope: schemaScope('write') }, (request, { portal, params }, reply) => {
    const type = parseObjectType(params.objectType!);
    const body = request.body;
    if (!isRecord(body) || typeof body.name !== 'string' || typeof body.label !== 'string' || body.name === '' || body.label === '') {
      throw validationError('Invalid input JSON: a property group needs a name and a label');
    }
    if (!/^[a-z][a-z0-9_]*$/.test(body.name)) {
      throw validationError(`Group name '${body.name}' is invalid: use lower-case letters, digits and underscores`);
    }
    if (portal.groupsOf(type).has(body.name)) throw conflict(`A property group named '${body.name}' already exists.`);
    const group = {
      name: body.name,
      label: body.label,
      displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : -1,
      archived: false as const,
    };
    portal.groupsOf(type).set(group.name, group);
    return reply.code(201).send(group);
  });
}
