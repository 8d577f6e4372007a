import { Flex, StatusTag, Text } from '@hubspot/ui-extensions';
import type { EventSummary } from '../api-types';

interface WebhookStateProps {
  event: EventSummary;
  webhookUrl: string;
  actionTypes: string[];
}

/** Whether pretix will notify us about this event's orders, and if not automatically, what to paste into pretix. */
export const WebhookState = ({ event, webhookUrl, actionTypes }: WebhookStateProps) => {
  const testId = `webhook-${event.slug}`;
  switch (event.webhook.state) {
    case 'registered':
      return (
        <StatusTag variant="success" testId={testId}>
          Webhook registered
        </StatusTag>
      );
    case 'manual':
      return (
        <Flex direction="column" gap="flush">
          <StatusTag variant="warning" testId={testId}>
            Add the webhook in pretix
          </StatusTag>
          <Text variant="microcopy" testId={`${testId}-instructions`}>
            In pretix, open Organizer → Webhooks → Create a new webhook. Target URL: {webhookUrl}. Events: {actionTypes.join(', ')}.
            {event.webhook.message ? ` (${event.webhook.message})` : ''}
          </Text>
        </Flex>
      );
    default:
      return (
        <Flex direction="column" gap="flush">
          <StatusTag variant="default" testId={testId}>
            No webhook
          </StatusTag>
          {event.webhook.message && <Text variant="microcopy">{event.webhook.message}</Text>}
        </Flex>
      );
  }
};
