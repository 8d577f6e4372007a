// What the fake's route modules need from the server: state lookups and a way to declare CRM routes.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessToken, AuthRegistry } from './auth';
import type { Portal } from './portal';

export interface CrmRouteRule {
  /** The scope HubSpot requires for this call, from the route's path parameters. */
  scope: (params: Record<string, string>) => string;
  /** Also counted against the portal's search limit. */
  search?: boolean;
}

export type CrmHandler = (
  request: FastifyRequest,
  context: { portal: Portal; token: AccessToken; params: Record<string, string> },
  reply: FastifyReply,
) => Promise<unknown> | unknown;

export interface FakeCore {
  readonly app: FastifyInstance;
  readonly auth: AuthRegistry;
  now(): number;
  /** The portal a user "is logged into" on the consent page. */
  authorizingPortal(): string | undefined;
  tokenTtlMs(portalId: string): number;
  searchLagMs(): number;
  /** Seed for shuffling batch results; 0 keeps input order. */
  shuffleSeed(): number;
  countRefresh(portalId: string): void;
  countCodeExchange(portalId: string): void;
  /** Registers a CRM API route: bearer auth, scope check, rate limits and faults run before `handler`. */
  crmRoute(method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', url: string, rule: CrmRouteRule, handler: CrmHandler): void;
}
