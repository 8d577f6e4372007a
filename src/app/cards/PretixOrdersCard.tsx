import {
  Alert,
  EmptyState,
  ErrorState,
  Flex,
  LoadingSpinner,
  Text,
  hubspot,
  type CrmContext,
  type ExtensionPointApiActions,
} from '@hubspot/ui-extensions';
import { CardWarnings } from './components/CardWarnings';
import { MarketingEvents } from './components/MarketingEvents';
import { NotConnected } from './components/NotConnected';
import { OrdersTable } from './components/OrdersTable';
import { ProducedBy } from './components/ProducedBy';
import { ReceiverErrorState } from './components/ReceiverErrorState';
import { useContactEmails } from './hooks/useContactEmails';
import { useContactOrders } from './hooks/useContactOrders';
import { useSyncOrder } from './hooks/useSyncOrder';
import { connectedAppsUrl } from './orders';

hubspot.extend<'crm.record.tab'>(({ context, actions }) => <PretixOrdersCard context={context} actions={actions} />);

export interface PretixOrdersCardProps {
  context: CrmContext;
  actions: Pick<ExtensionPointApiActions<'crm.record.tab'>, 'addAlert'>;
}

/** The contact's pretix orders: status, totals, tickets, sync state, and a Sync now action per order. */
export const PretixOrdersCard = ({ context, actions }: PretixOrdersCardProps) => {
  const portalId = context.portal.id;
  const timeZone = context.portal.timezone;
  const locale = context.user.locale;
  const contact = useContactEmails();
  const orders = useContactOrders(portalId, context.crm.objectId, contact.emails, !contact.isLoading && !contact.error);
  const { syncing, syncOrder } = useSyncOrder(portalId, actions.addAlert, orders.reload);
  const settingsUrl = connectedAppsUrl(portalId);

  if (contact.error) {
    return (
      <ErrorState title="Cannot read the email addresses of this contact" testId="contact-error">
        <Text>{contact.error.message}</Text>
        <Text>Reload the page; pretix orders are matched by the email addresses of the contact.</Text>
      </ErrorState>
    );
  }

  const { state } = orders;
  if (contact.isLoading || (state.status !== 'error' && state.data === undefined)) {
    return <LoadingSpinner label="Loading pretix orders" layout="centered" showLabel />;
  }
  if (state.data === undefined) {
    return state.error ? <ReceiverErrorState error={state.error} onRetry={orders.reload} /> : null;
  }

  const data = state.data;
  if (!data.connected) return <NotConnected settingsUrl={settingsUrl} />;

  return (
    <Flex direction="column" gap="sm">
      {state.error && (
        <Alert title="Could not refresh the orders" variant="danger" testId="refresh-error">
          {state.error.message}
        </Alert>
      )}
      <CardWarnings warnings={data.warnings} />
      {data.orders.length === 0 ? (
        <EmptyState title="No pretix orders for this contact" layout="vertical" imageName="tickets" testId="no-orders">
          <Text>
            {contact.emails.length > 0
              ? `No order in the connected pretix organizers uses ${contact.emails.join(', ')}.`
              : 'This contact has no email address, and pretix orders are matched by email.'}
          </Text>
        </EmptyState>
      ) : (
        <OrdersTable
          orders={data.orders}
          syncing={syncing}
          onSync={(order) => void syncOrder(order)}
          timeZone={timeZone}
          locale={locale}
        />
      )}
      <MarketingEvents events={data.marketingEvents ?? []} notices={data.marketingEventNotices ?? []} timeZone={timeZone} locale={locale} />
      <ProducedBy mappings={data.producedBy} settingsUrl={settingsUrl} />
    </Flex>
  );
};
