// HubSpot's contact.privacyDeletion: someone in the portal permanently deleted a contact to honour a privacy request
// (GDPR). What the receiver keeps about that person is in the sync records (the card's history): the contact's id,
// identifier and email. A record about that person alone is deleted; a record of an order shared with others (the
// person was one attendee of several) keeps the others and loses every trace of the person. Either way the log is
// compacted, so nothing of it stays on disk; failed jobs' error messages lose the email too. The orders stay in pretix, the organiser's system of record: a change to
// such an order, or a new one, is synced again like any other.
import type { Store, SyncRecord } from '../store/types';

export interface PrivacyDeletions {
  /** Forgets the given contacts of one portal; resolves once nothing about them is left on disk. */
  forgetContacts(portalId: string, contactIds: string[]): Promise<{ deleted: number; redacted: number }>;
}

type SyncedObject = SyncRecord['objects'][number];

export function createPrivacyDeletions(store: Store): PrivacyDeletions {
  return {
    async forgetContacts(portalId, contactIds) {
      const ids = new Set(contactIds);
      const isForgotten = (object: SyncedObject) => object.objectType === 'contacts' && ids.has(object.hubspotId);
      // One scan of the portal's records for the whole batch: HubSpot sends up to 100 events per request.
      const naming = await store.findSyncRecords(portalId, (record) => record.objects.some(isForgotten));
      const emails = new Set(naming.flatMap((record) => record.objects.filter((o) => isForgotten(o) && o.idProperty === 'email').map((o) => o.idValue.toLowerCase())));
      // Orders that carry the email without having written to that contact (a mapping that was skipped) too.
      const affected = new Map(naming.map((record) => [record.key, record]));
      for (const record of emails.size > 0 ? await store.findSyncRecordsByEmails(portalId, [...emails]) : []) affected.set(record.key, record);

      const deleteKeys: string[] = [];
      const redacted: SyncRecord[] = [];
      for (const record of affected.values()) {
        const rest = redact(record, ids, emails);
        if (rest) redacted.push(rest);
        else deleteKeys.push(record.key);
      }
      await store.purgeSyncRecords(deleteKeys, redacted);
      // A failed job's last error may quote the email too (HubSpot's validation messages name the value).
      if (emails.size > 0) await store.redactJobErrors([...affected.keys()], (message) => redactText(message, emails));
      return { deleted: deleteKeys.length, redacted: redacted.length };
    },
  };
}

/** The record without the forgotten contacts and emails, or null when nobody else is left in it. */
function redact(record: SyncRecord, contactIds: Set<string>, emails: Set<string>): SyncRecord | null {
  const isForgotten = (object: SyncedObject) =>
    object.objectType === 'contacts' && (contactIds.has(object.hubspotId) || (object.idProperty === 'email' && emails.has(object.idValue.toLowerCase())));
  const remainingEmails = record.emails.filter((email) => !emails.has(email));
  const remainingContacts = record.objects.filter((object) => object.objectType === 'contacts' && !isForgotten(object));
  if (remainingContacts.length === 0 && remainingEmails.length === 0) return null;
  const forgottenIds = new Set(record.objects.filter(isForgotten).map((object) => object.hubspotId));
  const mentionsForgotten = (pair: string) => pair.split('>').some((end) => end.startsWith('contacts:') && forgottenIds.has(end.slice('contacts:'.length)));
  return {
    ...record,
    emails: remainingEmails,
    // The fingerprints go too: they digest planned values, which may have held the person; the next sync writes again.
    objects: record.objects.filter((object) => !isForgotten(object)).map(({ fingerprint: _, ...object }) => object),
    associations: record.associations.filter((pair) => !mentionsForgotten(pair)),
    // Free text that may quote the person (HubSpot's validation messages name values) is not kept.
    skipped: record.skipped.map((skip) => ({ ...skip, reason: redactText(skip.reason, emails) })),
    ...(record.lastError !== undefined ? { lastError: redactText(record.lastError, emails) } : {}),
  };
}

function redactText(text: string, emails: Set<string>): string {
  let result = text;
  for (const email of emails) result = result.split(new RegExp(email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi')).join('[deleted]');
  return result;
}
