// The HubSpot OAuth scopes this app asks for, and why: the one list the install flow, the status page and
// scripts/hubspot-configure.ts (app-hsmeta.json's requiredScopes/optionalScopes) derive from.
//
// HubSpot's authorize URL must name exactly the app's required scopes in `scope` and may add optional ones in
// `optional_scope`; an installer can decline optional scopes, and the features that need them degrade (a mapping
// to companies fails with a config error naming the missing scope instead of the whole app failing to install).
import type { HubSpotObjectType } from '../domain/mapping-schema';

export interface ScopeNeed {
  scope: string;
  required: boolean;
  why: string;
}

export const SCOPE_NEEDS: readonly ScopeNeed[] = [
  { scope: 'oauth', required: true, why: 'every OAuth app needs it' },
  { scope: 'crm.objects.contacts.read', required: true, why: 'read current contact values for "Fill if empty" / "Add to list" and show orders on the contact card' },
  { scope: 'crm.objects.contacts.write', required: true, why: 'create and update contacts for buyers and attendees (the default mappings)' },
  { scope: 'crm.objects.deals.read', required: true, why: 'read current deal values for the update modes' },
  { scope: 'crm.objects.deals.write', required: true, why: 'create and update a deal per order, associated with its contact' },
  { scope: 'crm.schemas.contacts.read', required: true, why: 'list contact properties in the mapping editor and check mappings against them' },
  { scope: 'crm.schemas.contacts.write', required: true, why: 'create missing contact properties (e.g. pretix order code) from the settings page' },
  { scope: 'crm.schemas.deals.read', required: true, why: 'list deal properties in the mapping editor' },
  { scope: 'crm.schemas.deals.write', required: true, why: 'create the unique pretix-order-id deal property' },
  { scope: 'crm.objects.companies.read', required: false, why: 'optional: mappings to companies (read current values)' },
  { scope: 'crm.objects.companies.write', required: false, why: 'optional: mappings to companies' },
  { scope: 'crm.schemas.companies.read', required: false, why: 'optional: list company properties in the mapping editor' },
  { scope: 'crm.schemas.companies.write', required: false, why: 'optional: create company properties' },
  { scope: 'crm.objects.marketing_events.read', required: false, why: 'optional: marketing events per pretix event and date, with registrations, check-ins and cancellations' },
  { scope: 'crm.objects.marketing_events.write', required: false, why: 'optional: create marketing events and record attendance (without it contacts and deals still sync)' },
];

export const REQUIRED_SCOPES: readonly string[] = SCOPE_NEEDS.filter((s) => s.required).map((s) => s.scope);
export const OPTIONAL_SCOPES: readonly string[] = SCOPE_NEEDS.filter((s) => !s.required).map((s) => s.scope);

/** Scopes a sync into these object types needs (reads for the update modes, writes for upserts). */
export function scopesForObjectTypes(types: Iterable<HubSpotObjectType>): string[] {
  const scopes = new Set<string>();
  for (const type of types) {
    scopes.add(`crm.objects.${type}.read`);
    scopes.add(`crm.objects.${type}.write`);
  }
  return [...scopes];
}

/** Scopes the mappings need that the installation was not granted (empty when all is well). */
export function missingScopes(granted: readonly string[], types: Iterable<HubSpotObjectType>): string[] {
  const have = new Set(granted);
  return scopesForObjectTypes(types).filter((scope) => !have.has(scope));
}
