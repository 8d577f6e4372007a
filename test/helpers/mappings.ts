// The object mappings tests and benchmarks mean when they say "the example mappings" or "the usual two mappings",
// defined once: a change to the example, or to what the receiver expects of it, is made here and nowhere else.
import type { FakeHubSpot } from '../fakes/hubspot';
import type { ObjectMappingDto } from '../../src/app/shared/api-types';
import { loadFixture } from '../fixtures';

/**
 * pretix's datasync example (1: buyer → contact by email, 2: attendee → contact by email, 3: order → deal by
 * pretix_order_id) plus what our receiver adds on top: the deal is associated with the buyer's contact. Every
 * mapping carries its association list, as the settings API answers it. A fresh copy per call.
 */
export function exampleMappingDtos(): ObjectMappingDto[] {
  const file = loadFixture<{ object_mappings: Omit<ObjectMappingDto, 'association_mappings'>[] }>('datasync-object-mappings-example.json');
  return file.object_mappings.map((mapping) => ({
    ...mapping,
    association_mappings: mapping.external_object_type === 'deals' ? [{ via_mapping_id: 1 }] : [],
  }));
}

/** The example as the JSON body an operator PUTs to the admin API (value maps JSON-encoded the pretix way). */
export function exampleMappingsBody(): { object_mappings: ObjectMappingDto[] } {
  return { object_mappings: exampleMappingDtos() };
}

/**
 * The usual two mappings with few properties, for load (benchmarks, traffic scenarios): buyer → contact by email;
 * order → deal by pretix_order_id, associated with that contact. 4 HubSpot requests per batch (contacts read for
 * if_empty, two upserts, one association call). Needs the deal property from defineOrderIdProperty.
 */
export function buyerAndDealMappings(): ObjectMappingDto[] {
  return [
    {
      id: 1,
      pretix_model: 'Order',
      external_object_type: 'contacts',
      pretix_id_field: 'email',
      external_id_field: 'email',
      property_mappings: [
        { pretix_field: 'invoice_address_name', external_field: 'lastname', value_map: '', overwrite: 'overwrite' },
        { pretix_field: 'invoice_address_city', external_field: 'city', value_map: '', overwrite: 'overwrite' },
        { pretix_field: 'invoice_address_company', external_field: 'company', value_map: '', overwrite: 'if_empty' },
      ],
      association_mappings: [],
    },
    {
      id: 2,
      pretix_model: 'Order',
      external_object_type: 'deals',
      pretix_id_field: 'order_code',
      external_id_field: 'pretix_order_id',
      property_mappings: [
        { pretix_field: 'order_total', external_field: 'amount', value_map: '', overwrite: 'overwrite' },
        { pretix_field: 'event_order_code', external_field: 'dealname', value_map: '', overwrite: 'overwrite' },
      ],
      association_mappings: [{ via_mapping_id: 1 }],
    },
  ];
}

/** The unique deal property both mapping sets upsert deals by; a fresh portal does not have it. */
export function defineOrderIdProperty(hubspot: FakeHubSpot, portalId: string | number): void {
  hubspot.defineProperty(portalId, 'deals', {
    name: 'pretix_order_id',
    label: 'pretix-order-id',
    type: 'string',
    fieldType: 'text',
    groupName: 'pretix',
    hasUniqueValue: true,
  });
}
