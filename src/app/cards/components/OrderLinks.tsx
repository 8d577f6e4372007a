import { Flex, Link } from '@hubspot/ui-extensions';
import type { CardOrder } from '../api-types';
import { objectLinkLabel, orderTestId } from '../orders';

/** "Open in pretix" and one link per HubSpot object the sync wrote for this order. */
export const OrderLinks = ({ order }: { order: CardOrder }) => (
  <Flex direction="column" gap="flush">
    <Link href={{ url: order.pretixUrl, external: true }} testId={`pretix-link-${orderTestId(order)}`}>
      Open in pretix
    </Link>
    {order.sync.objects.map((object) => (
      <Link
        key={`${object.mappingId}-${object.objectType}-${object.hubspotId}`}
        href={{ url: object.url, external: true }}
        testId={`object-link-${orderTestId(order)}-${object.objectType}-${object.hubspotId}`}
      >
        {objectLinkLabel(object.objectType)}
      </Link>
    ))}
  </Flex>
);
