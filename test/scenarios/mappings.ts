// Mappings used by the scenario tests: the fixture's example (pretix's datasync shape) plus the deal→contact
// association our receiver adds on top.
import { objectMappingsSchema, type ObjectMapping } from '../../receiver/domain/mapping-schema';
import { loadFixture } from '../fixtures';

export function exampleMappings(): ObjectMapping[] {
  const file = loadFixture<{ object_mappings: unknown[] }>('datasync-object-mappings-example.json');
  const mappings = objectMappingsSchema.parse(file.object_mappings);
  const deal = mappings.find((m) => m.external_object_type === 'deals');
  if (deal) deal.association_mappings = [{ via_mapping_id: 1 }];
  return mappings;
}

/** The same, as the JSON body an operator would PUT (value maps JSON-encoded the pretix way). */
export function exampleMappingsBody(): unknown {
  const file = loadFixture<{ object_mappings: Record<string, unknown>[] }>('datasync-object-mappings-example.json');
  for (const mapping of file.object_mappings) {
    if (mapping.external_object_type === 'deals') mapping.association_mappings = [{ via_mapping_id: 1 }];
  }
  return file;
}

/** The two usual mappings of issue 10 (and the benchmarks): buyer → contact by email, order → deal by
 * `pretix_order_id`, associated with the contact. 4 HubSpot requests per batch (contacts read for if_empty, two
 * upserts, one association call). */
export function buyerAndDealMappingsBody(): unknown {
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
