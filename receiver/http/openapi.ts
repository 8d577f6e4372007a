// The OpenAPI 3.0 document of the card/settings API, generated from the same zod schemas and route table the
// API serves with (http/api/routes.ts), and served unsigned at GET /openapi.json.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { API_PREFIX, API_ROUTES, type RouteSpec } from './api/routes';
import { apiErrorSchema } from './api/schemas';

type JsonSchema = Record<string, unknown>;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (see `fieldErrors`), missing or conflicting portalId',
  401: 'Missing, expired, future-dated or wrong X-HubSpot-Signature-v3',
  404: 'Not found in this HubSpot account (another portal\'s data looks exactly like missing data); `unknown_event` when pretix has no such event',
  409: 'Conflict with the current state, or a setup problem to fix (`config_error`: no HubSpot access, pretix refuses the token)',
  415: 'The body is not JSON (`unsupported_media_type`)',
  501: 'Not available in this version of the receiver',
  502: 'pretix or HubSpot failed (`upstream_error`)',
  503: "The receiver has no HubSpot client secret (HUBSPOT_CLIENT_SECRET) to verify signatures",
  504: 'pretix or HubSpot did not answer within the deadline (10 s)',
};
const COMMON_ERRORS = [400, 401, 503];

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const result = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as JsonSchema;
  delete result.$schema;
  return result;
}

/** Path and query parameters from an object schema; repeated query parameters become arrays. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const arrayForm = (property.anyOf as JsonSchema[] | undefined)?.find((option) => option.type === 'array');
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: arrayForm ?? rest,
      ...(arrayForm ? { style: 'form', explode: true } : {}),
    };
  });
}

const PORTAL_PARAMETER = {
  name: 'portalId',
  in: 'query',
  required: true,
  description: 'The HubSpot account id. HubSpot appends it to signed requests; the UI sends it too. Repeated values must agree.',
  schema: { type: 'string', pattern: '^\\d+$' },
};

function operation(id: string, spec: RouteSpec): JsonSchema {
  const status = String(spec.status ?? 200);
  const errors = [...new Set([...COMMON_ERRORS, ...(spec.errors ?? [])])].sort((a, b) => a - b);
  const body = spec.docBody ?? spec.body;
  return {
    operationId: id,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: spec.tags,
    security: [{ hubspotSignatureV3: [], hubspotRequestTimestamp: [] }],
    parameters: [...parameters(spec.params, 'path'), PORTAL_PARAMETER, ...parameters(spec.query, 'query')],
    ...(body
      ? { requestBody: { required: !body.safeParse({}).success, content: { 'application/json': { schema: jsonSchema(body, 'input') } } } }
      : {}),
    responses: {
      [status]: { description: 'OK', content: { 'application/json': { schema: jsonSchema(spec.response, 'output') } } },
      ...Object.fromEntries(
        errors.map((code) => [
          String(code),
          { description: ERROR_DESCRIPTIONS[code] ?? 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } } },
        ]),
      ),
    },
  };
}

export function buildOpenApiDocument(options: { publicUrl: string; version?: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const [id, spec] of Object.entries(API_ROUTES) as [string, RouteSpec][]) {
    const path = `${API_PREFIX}${spec.path}`.replace(/:([A-Za-z]+)/g, '{$1}');
    paths[path] ??= {};
    paths[path]![spec.method.toLowerCase()] = operation(id, spec);
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'pretix-hubspot card and settings API',
      version: options.version ?? '1',
      description:
        "Called by the HubSpot app's contact card and settings page through hubspot.fetch. Every request must carry HubSpot's " +
        'X-HubSpot-Signature-v3: base64(HMAC-SHA256(app client secret, METHOD + URI + raw body + X-HubSpot-Request-Timestamp)), ' +
        'where URI is PUBLIC_URL + path + query as sent (also accepted with HubSpot\'s listed percent-escapes decoded), and a ' +
        'timestamp (Unix ms) at most 5 minutes old. The portal is the signed `portalId` query parameter.',
    },
    servers: [{ url: options.publicUrl }],
    tags: [
      { name: 'card', description: 'Contact record card' },
      { name: 'settings', description: 'App settings page' },
      { name: 'mappings', description: 'Object mappings editor' },
      { name: 'backfill', description: 'Syncing existing orders' },
    ],
    paths,
    components: {
      schemas: { ApiError: jsonSchema(apiErrorSchema, 'output') },
      securitySchemes: {
        hubspotSignatureV3: { type: 'apiKey', in: 'header', name: 'X-HubSpot-Signature-v3', description: 'HubSpot request signature v3' },
        hubspotRequestTimestamp: { type: 'apiKey', in: 'header', name: 'X-HubSpot-Request-Timestamp', description: 'Unix time in milliseconds, part of the signature' },
      },
    },
  };
}

export async function openApiRoutes(app: FastifyInstance, options: { publicUrl: string; version?: string }): Promise<void> {
  // Built once: the routes and schemas do not change while the process runs.
  const document = JSON.stringify(buildOpenApiDocument(options));
  app.get('/openapi.json', async (_request, reply) => reply.type('application/json; charset=utf-8').send(document));
}
