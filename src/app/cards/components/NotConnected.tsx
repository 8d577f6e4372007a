import { EmptyState, Link, Text } from '@hubspot/ui-extensions';

/** The portal has no pretix connection yet: say so and point to the settings page. */
export const NotConnected = ({ settingsUrl }: { settingsUrl: string }) => (
  <EmptyState title="pretix is not connected yet" imageName="integrations" layout="vertical" testId="not-connected">
    <Text>
      This HubSpot account has no pretix organizer connected, so there are no orders to show. A super admin can connect
      one in the app settings: Connected apps → pretix for HubSpot → Settings → pretix connection.
    </Text>
    <Link href={{ url: settingsUrl, external: true }} testId="settings-link">
      Open Connected apps
    </Link>
  </EmptyState>
);
