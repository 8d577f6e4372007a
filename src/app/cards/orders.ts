import type { CardOrder, HubSpotObjectType, OrderStatus } from './api-types';

/** Order codes are unique per event only; connection + event + code identifies an order. */
export const orderKey = (order: Pick<CardOrder, 'connectionId' | 'event' | 'code'>): string =>
  `${order.connectionId}/${order.event.slug}/${order.code}`;

/** A stable, readable test id part: `democon-ABC12`. */
export const orderTestId = (order: Pick<CardOrder, 'event' | 'code'>): string => `${order.event.slug}-${order.code}`;

export type StatusVariant = 'success' | 'warning' | 'danger' | 'default';

/** paid → success, pending → warning, expired/canceled → danger. */
export function statusVariant(status: OrderStatus): StatusVariant {
  switch (status) {
    case 'p':
      return 'success';
    case 'n':
      return 'warning';
    case 'e':
    case 'c':
      return 'danger';
    default:
      return 'default';
  }
}

const OBJECT_LABELS: Record<HubSpotObjectType, string> = {
  contacts: 'HubSpot contact',
  deals: 'HubSpot deal',
  companies: 'HubSpot company',
};

export const objectLinkLabel = (objectType: HubSpotObjectType): string => OBJECT_LABELS[objectType] ?? objectType;

/** Positions that are still valid tickets. */
export const ticketCount = (order: Pick<CardOrder, 'positions'>): number =>
  order.positions.filter((position) => !position.canceled).length;

/**
 * Where an installed app's settings page is reached: Connected apps → the app → Settings.
 * HubSpot gives the extension no deep link to its own settings tab, so we link the Connected apps list.
 */
export const connectedAppsUrl = (portalId: number): string => `https://app.hubspot.com/connected-apps/${portalId}/installed`;
