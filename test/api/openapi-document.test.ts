// GET /openapi.json: an OpenAPI 3 document generated from the API's zod schemas, naming every route the receiver
// serves under /api/v1 (and every path the settings page calls), without needing a signature.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, API_ROUTES } from '../../receiver/http/api/routes';
import { jobKey } from '../../receiver/store/types';
import type { CreateConnectionResponse } from '../../src/app/shared/api-types';
import { paths as settingsPaths } from '../../src/app/settings/paths';
import { EVENT, ORGANIZER, PORTAL_ID, PRETIX_TOKEN } from '../helpers/stack';
import { startApiStack, type ApiStack } from './signed-client';

type Json = Record<string, unknown>;

describe('OpenAPI document', () => {
  let stack: ApiStack;
  let document: Json;

  beforeAll(async () => {
    stack = await startApiStack({ startWorker: false });
    const response = await fetch(`${stack.receiverUrl}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    document = JSON.parse(await response.text()) as Json;
  });
  afterAll(() => stack.close());

  const operations = () =>
    Object.entries(document.paths as Record<string, Record<string, Json>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );

  it('is OpenAPI 3.0 with the public server and the signature as security scheme', () => {
    expect(document.openapi).toBe('3.0.3');
    expect(document.servers).toEqual([{ url: stack.api.publicUrl }]);
    const schemes = (document.components as Json).securitySchemes as Record<string, Json>;
    expect(schemes.hubspotSignatureV3).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-HubSpot-Signature-v3' });
  });

  it('names every route of the API, once', () => {
    const documented = operations().map(({ path, method }) => `${method.toUpperCase()} ${path}`).sort();
    const served = Object.values(API_ROUTES)
      .map((route) => `${route.method} ${API_PREFIX}${route.path.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    expect(documented).toEqual(served);
    const ids = operations().map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('describes parameters, bodies and answers of each operation', () => {
    for (const { path, method, operation } of operations()) {
      const parameters = operation.parameters as Json[];
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        expect(parameters, `${method} ${path} ${name}`).toContainEqual(expect.objectContaining({ name, in: 'path', required: true }));
      }
      expect(parameters).toContainEqual(expect.objectContaining({ name: 'portalId', in: 'query', required: true }));
      const responses = operation.responses as Record<string, Json>;
      const success = Object.keys(responses).filter((status) => status.startsWith('2'));
      expect(success, `${method} ${path}`).toHaveLength(1);
      expect((responses[success[0]!]!.content as Json)['application/json']).toBeDefined();
      for (const status of ['400', '401', '503']) expect(responses[status], `${method} ${path} ${status}`).toBeDefined();
      if (method === 'put') expect(operation.requestBody, `${method} ${path}`).toBeDefined();
    }
  });

  it('resolves every $ref', () => {
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const pointer = ref.slice(8, -1).replace(/^#\//, '').split('/');
      let node: unknown = document;
      for (const part of pointer) node = (node as Json)[part];
      expect(node, ref).toBeDefined();
    }
  });

  it('matches the contract: the contact-orders answer and the mappings body', () => {
    const orders = (document.paths as Record<string, Record<string, Json>>)['/api/v1/contacts/{contactId}/orders']!.get!;
    const schema = (((orders.responses as Json)['200'] as Json).content as Json)['application/json'] as Json;
    expect(((schema.schema as Json).required as string[]).sort()).toEqual(['connected', 'orders', 'producedBy', 'warnings']);
    expect(orders.parameters).toContainEqual(expect.objectContaining({ name: 'email', in: 'query', schema: expect.objectContaining({ type: 'array' }), explode: true }));
    const put = (document.paths as Record<string, Record<string, Json>>)['/api/v1/connections/{connectionId}/events/{event}/mappings']!.put!;
    const body = (((put.requestBody as Json).content as Json)['application/json'] as Json).schema as Json;
    const row = ((((body.properties as Json).mappings as Json).items as Json).properties as Json).property_mappings as Json;
    expect(((row.items as Json).properties as Json).value_map).toEqual({ type: 'string' });
  });

  it('covers every path the settings page calls', () => {
    const templates = operations().map(({ path }) => new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`));
    const used = [
      settingsPaths.settings,
      settingsPaths.connections,
      settingsPaths.events('c1'),
      settingsPaths.event('c1', 'democon'),
      settingsPaths.mappings('c1', 'democon'),
      settingsPaths.createMissingProperties('c1', 'democon'),
      settingsPaths.sourceFields('c1', 'democon'),
      settingsPaths.backfill('c1', 'democon'),
      settingsPaths.hubspotProperties('contacts'),
      settingsPaths.syncProblems,
      settingsPaths.retrySyncProblem,
      '/api/v1/contacts/123/orders',
      '/api/v1/orders/sync',
    ];
    for (const path of used) expect(templates.some((template) => template.test(path)), path).toBe(true);
  });

  it('every documented route is served (and signed: 401 without a signature, not 404)', async () => {
    for (const route of Object.values(API_ROUTES)) {
      const path = `${API_PREFIX}${route.path.replace(/:(\w+)/g, 'x1')}`;
      const response = await fetch(`${stack.receiverUrl}${path}?portalId=1`, { method: route.method });
      expect(response.status, `${route.method} ${path}`).toBe(401);
    }
  });
  it('documents the 409 that listing events, toggling one and retrying an in-flight sync answer', async () => {
    const { body: created } = await stack.api.send<CreateConnectionResponse>('POST', '/api/v1/connections', {
      baseUrl: stack.pretix.url,
      organizer: ORGANIZER,
      apiToken: PRETIX_TOKEN,
    });
    const connectionId = created.connection.id;
    const answered: Record<string, number> = {};
    stack.pretix.failNext({ status: 403, match: /events\/$/ });
    answered[`get ${API_PREFIX}/connections/{connectionId}/events`] = (await stack.api.get(`/api/v1/connections/${connectionId}/events`)).status;
    stack.pretix.failNext({ status: 403, match: /events\/$/ });
    answered[`put ${API_PREFIX}/connections/{connectionId}/events/{event}`] = (
      await stack.api.send('PUT', `/api/v1/connections/${connectionId}/events/${EVENT}`, { enabled: true })
    ).status;
    const now = Date.now();
    await stack.store.enqueue([{ portalId: PORTAL_ID, connectionId, event: EVENT, code: 'Q7X3M', action: 'manual' }], now);
    await stack.store.claimDueJobs(now, 100);
    answered[`post ${API_PREFIX}/sync-problems/retry`] = (
      await stack.api.send('POST', '/api/v1/sync-problems/retry', { key: jobKey(connectionId, EVENT, 'Q7X3M') })
    ).status;

    const responses = (key: string) => {
      const [method, path] = key.split(' ') as [string, string];
      return Object.keys(((document.paths as Record<string, Record<string, Json>>)[path]![method]!.responses as Json));
    };
    for (const [key, status] of Object.entries(answered)) {
      expect(status, key).toBe(409);
      expect(responses(key), key).toContain('409');
    }
  });
});
