// Whether a webhook delivery's basis (types.ts WebhookBasis) still holds: the rule acceptWebhook applies before it
// takes a delivery in. The lowdb store applies it here; PostgreSQL's accept applies the same rule in SQL
// (webhook_basis_holds() in postgres/migrations.ts), in the statement that takes the delivery in.
import type { Connection, EventConfig, JobTrigger, WebhookBasis } from './types';

export function webhookBasisHolds(basis: WebhookBasis, trigger: JobTrigger, connection: Connection | undefined, eventConfig: EventConfig | undefined): boolean {
  return (
    connection !== undefined &&
    connection.id === trigger.connectionId &&
    connection.portalId === trigger.portalId &&
    connection.webhookTokenFingerprint === basis.webhookFingerprint &&
    connection.organizer === basis.organizer &&
    eventConfig?.enabled === true
  );
}
