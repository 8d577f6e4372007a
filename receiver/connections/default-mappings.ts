// The mappings an event gets when it is enabled without any: buyers and attendees as HubSpot contacts, written to
// properties every HubSpot portal has (reference/pretix.md §4, the plugin docs' example). Editable afterwards.
//
// Left out on purpose: the order code and status (a fresh portal has no contact property for them; creating
// `pretix_order_code` & co. is the settings page's "create missing properties" step), and the phone number (pretix's
// datasync catalogue has no order phone field).
import { objectMappingsSchema, type ObjectMapping } from '../domain/mapping-schema';

const overwrite = (pretix_field: string, external_field: string) => ({ pretix_field, external_field, value_map: '', overwrite: 'overwrite' as const });

export function defaultMappings(): ObjectMapping[] {
  return objectMappingsSchema.parse([
    {
      id: 1,
      pretix_model: 'Order',
      external_object_type: 'contacts',
      pretix_id_field: 'email',
      external_id_field: 'email',
      property_mappings: [
        // The name parts exist for every name scheme (split on the last space where the scheme has no given/family).
        overwrite('invoice_address_name_given_name', 'firstname'),
        overwrite('invoice_address_name_family_name', 'lastname'),
        overwrite('invoice_address_company', 'company'),
        overwrite('invoice_address_street', 'address'),
        overwrite('invoice_address_zipcode', 'zip'),
        overwrite('invoice_address_city', 'city'),
        overwrite('invoice_address_country', 'hs_country_region_code'),
      ],
      association_mappings: [],
    },
    {
      id: 2,
      pretix_model: 'OrderPosition',
      external_object_type: 'contacts',
      pretix_id_field: 'attendee_email',
      external_id_field: 'email',
      property_mappings: [
        overwrite('attendee_name_given_name', 'firstname'),
        overwrite('attendee_name_family_name', 'lastname'),
        overwrite('attendee_company', 'company'),
      ],
      association_mappings: [],
    },
  ]);
}
