// Receiver API paths used by the settings page (contract: src/app/shared/api-types.ts).
import type { HubSpotObjectType } from './api-types';
import { segment } from './lib/receiver';

const event = (connectionId: string, eventSlug: string) =>
  `/api/v1/connections/${segment(connectionId)}/events/${segment(eventSlug)}`;

export const paths = {
  settings: '/api/v1/settings',
  connections: '/api/v1/connections',
  events: (connectionId: string) => `/api/v1/connections/${segment(connectionId)}/events`,
  event,
  mappings: (connectionId: string, eventSlug: string) => `${event(connectionId, eventSlug)}/mappings`,
  createMissingProperties: (connectionId: string, eventSlug: string) =>
    `${event(connectionId, eventSlug)}/mappings/create-missing-properties`,
  sourceFields: (connectionId: string, eventSlug: string) => `${event(connectionId, eventSlug)}/source-fields`,
  backfill: (connectionId: string, eventSlug: string) => `${event(connectionId, eventSlug)}/backfill`,
  hubspotProperties: (objectType: HubSpotObjectType) => `/api/v1/hubspot/properties/${segment(objectType)}`,
  mappingSets: (connectionId: string) => `/api/v1/connections/${segment(connectionId)}/mapping-sets`,
  mappingSet: (connectionId: string, setId: string) => `/api/v1/connections/${segment(connectionId)}/mapping-sets/${segment(setId)}`,
  allEvents: (connectionId: string) => `/api/v1/connections/${segment(connectionId)}/all-events`,
  copyMappingSet: (connectionId: string, setId: string, eventSlug: string) =>
    `/api/v1/connections/${segment(connectionId)}/mapping-sets/${segment(setId)}/copy-from/${segment(eventSlug)}`,
  assignMappingSet: (connectionId: string, eventSlug: string) => `${event(connectionId, eventSlug)}/mapping-set`,
  syncProblems: '/api/v1/sync-problems',
  retrySyncProblem: '/api/v1/sync-problems/retry',
};
