// HubSpot → receiver webhooks (the app's webhooks component, src/app/webhooks/): today only contact.privacyDeletion.
// Every request must be signed with the app's client secret; the body is kept raw because the signature covers its
// exact bytes. The work is done before the answer (a purge takes milliseconds), so a failure answers 5xx and HubSpot
// delivers again.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PrivacyDeletions } from '../hubspot/privacy-deletion';
import { verifyHubSpotSignature } from '../hubspot/signature';
import { badRequestFromZod, HttpError } from './errors';

export interface HubSpotWebhookDeps {
  /** PUBLIC_URL without a trailing slash: the signed URI is rebuilt from it, never from request headers. */
  publicUrl: string;
  /** HUBSPOT_CLIENT_SECRET; without it nothing can be verified. */
  clientSecret: string | undefined;
  privacy: PrivacyDeletions;
  now?: () => number;
}

/** Where HubSpot delivers the app's webhooks; scripts/hubspot-configure.ts writes it into webhooks-hsmeta.json. */
export const HUBSPOT_WEBHOOKS_PATH = '/hubspot/webhooks';

export const PRIVACY_DELETION = 'contact.privacyDeletion';

const id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform(String);
/** HubSpot's event envelope; fields we do not use (eventId, occurredAt, attemptNumber, changeSource…) may vary. */
const eventSchema = z.looseObject({ subscriptionType: z.string().min(1), portalId: id, objectId: id.optional() });
const batchSchema = z.array(eventSchema).min(1).max(1000);

export async function hubspotWebhookRoutes(app: FastifyInstance, deps: HubSpotWebhookDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.post(HUBSPOT_WEBHOOKS_PATH, { bodyLimit: 1024 * 1024 }, async (request, reply) => {
    if (!deps.clientSecret) {
      throw new HttpError(503, 'webhooks_not_configured', 'HubSpot webhooks are verified with the app\'s client secret: set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET.');
    }
    const rawBody = typeof request.body === 'string' ? request.body : '';
    const check = verifyHubSpotSignature({
      clientSecret: deps.clientSecret,
      method: request.method,
      uri: `${deps.publicUrl}${request.url}`,
      body: rawBody,
      headers: request.headers,
      now: now(),
      // HubSpot signs CRM-object webhooks with v1 (no timestamp, so replayable) and adds v3 for OAuth apps; v3 is
      // checked whenever present. A replayed privacy deletion only deletes again.
      allowLegacy: true,
    });
    if (!check.ok) {
      const reasons = {
        missing: 'The request carries no HubSpot signature (X-HubSpot-Signature-v3 or X-HubSpot-Signature).',
        expired: 'X-HubSpot-Request-Timestamp is missing, malformed or more than 5 minutes away from this server\'s clock.',
        mismatch: `The signature does not match this request: another app's secret, a changed body, or PUBLIC_URL (${deps.publicUrl}) is not the address HubSpot calls.`,
      } as const;
      throw new HttpError(401, `signature_${check.reason}`, reasons[check.reason]);
    }

    let json: unknown;
    try {
      json = JSON.parse(rawBody);
    } catch {
      throw new HttpError(400, 'invalid_json', 'The body is not JSON (HubSpot sends a JSON array of events).');
    }
    const events = batchSchema.safeParse(json);
    if (!events.success) throw badRequestFromZod(events.error, 'HubSpot webhook events');

    const deletions = new Map<string, string[]>();
    for (const event of events.data) {
      if (event.subscriptionType !== PRIVACY_DELETION) continue;
      if (event.objectId === undefined) throw new HttpError(400, 'invalid_request', `A ${PRIVACY_DELETION} event has no objectId.`);
      const ids = deletions.get(event.portalId);
      if (ids) ids.push(event.objectId);
      else deletions.set(event.portalId, [event.objectId]);
    }
    const totals = { received: events.data.length, privacyDeletions: 0, recordsDeleted: 0, recordsRedacted: 0 };
    for (const [portalId, contactIds] of deletions) {
      const forgotten = await deps.privacy.forgetContacts(portalId, contactIds);
      totals.privacyDeletions += contactIds.length;
      totals.recordsDeleted += forgotten.deleted;
      totals.recordsRedacted += forgotten.redacted;
      // Counts only: the contact ids identify the people who asked to be forgotten.
      request.log.info({ portalId, contacts: contactIds.length, ...forgotten }, 'privacy deletion: sync records purged');
    }
    return reply.send(totals);
  });
}
