import { Flex, Link, Text } from '@hubspot/ui-extensions';

interface ProducedByProps {
  mappings: string[];
  settingsUrl: string;
}

/** Which object mappings wrote this contact, e.g. "Order → Contacts by email", and where to change them. */
export const ProducedBy = ({ mappings, settingsUrl }: ProducedByProps) => (
  <Flex direction="column" gap="flush" testId="produced-by">
    <Text variant="microcopy">
      {mappings.length > 0
        ? `Written to this contact by: ${mappings.join('; ')}.`
        : 'No pretix mapping has written this contact yet.'}
    </Text>
    <Link href={{ url: settingsUrl, external: true }} testId="produced-by-settings-link">
      Change the mappings in the app settings (Connected apps → pretix for HubSpot → Settings)
    </Link>
  </Flex>
);
