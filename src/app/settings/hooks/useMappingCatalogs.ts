import type { HubSpotObjectType, HubSpotPropertiesResponse, PretixModel, SourceFieldsResponse } from '../api-types';
import type { ReceiverError } from '../lib/receiver';
import { useReceiver } from '../lib/useReceiver';
import { paths } from '../paths';

export interface MappingCatalogs {
  sourceFields: Record<PretixModel, SourceFieldsResponse | undefined>;
  properties: Record<HubSpotObjectType, HubSpotPropertiesResponse | undefined>;
  errors: { what: string; error: ReceiverError }[];
  reloadProperties: () => void;
}

/**
 * The pretix source fields (per model) and HubSpot properties (per object type) the editor's selects need,
 * each loaded once and only when some mapping uses that model or object type.
 */
export function useMappingCatalogs(
  portalId: number,
  connectionId: string,
  eventSlug: string,
  models: ReadonlySet<PretixModel>,
  objectTypes: ReadonlySet<HubSpotObjectType>,
): MappingCatalogs {
  const fieldsPath = paths.sourceFields(connectionId, eventSlug);
  const orderFields = useReceiver<SourceFieldsResponse>(portalId, models.has('Order') ? fieldsPath : null, { model: 'Order' });
  const positionFields = useReceiver<SourceFieldsResponse>(portalId, models.has('OrderPosition') ? fieldsPath : null, {
    model: 'OrderPosition',
  });
  const propertiesOf = (type: HubSpotObjectType) => (objectTypes.has(type) ? paths.hubspotProperties(type) : null);
  const contacts = useReceiver<HubSpotPropertiesResponse>(portalId, propertiesOf('contacts'));
  const deals = useReceiver<HubSpotPropertiesResponse>(portalId, propertiesOf('deals'));
  const companies = useReceiver<HubSpotPropertiesResponse>(portalId, propertiesOf('companies'));

  const errors: MappingCatalogs['errors'] = [];
  const collect = (what: string, error: ReceiverError | null) => {
    if (error) errors.push({ what, error });
  };
  collect('pretix fields for orders', orderFields.state.error);
  collect('pretix fields for order positions', positionFields.state.error);
  collect('HubSpot contact properties', contacts.state.error);
  collect('HubSpot deal properties', deals.state.error);
  collect('HubSpot company properties', companies.state.error);

  return {
    sourceFields: { Order: orderFields.state.data, OrderPosition: positionFields.state.data },
    properties: { contacts: contacts.state.data, deals: deals.state.data, companies: companies.state.data },
    errors,
    reloadProperties: () => {
      contacts.reload();
      deals.reload();
      companies.reload();
    },
  };
}
