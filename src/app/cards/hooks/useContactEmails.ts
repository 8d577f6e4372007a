import { useCrmProperties } from '@hubspot/ui-extensions/crm';

// Module constant: the hook compares the list between renders.
const EMAIL_PROPERTIES = ['email', 'hs_additional_emails'];

/**
 * The contact's primary email plus its additional ones (HubSpot keeps those as one `;`-separated value),
 * trimmed, without blanks or duplicates (case-insensitive), primary first.
 */
export function contactEmails(properties: Readonly<Record<string, string | null | undefined>>): string[] {
  const candidates = [properties.email ?? '', ...(properties.hs_additional_emails ?? '').split(';')];
  const seen = new Set<string>();
  const emails: string[] = [];
  for (const candidate of candidates) {
    const email = candidate.trim();
    if (!email.includes('@') || seen.has(email.toLowerCase())) continue;
    seen.add(email.toLowerCase());
    emails.push(email);
  }
  return emails;
}

export interface ContactEmails {
  emails: string[];
  isLoading: boolean;
  error: Error | null;
}

export function useContactEmails(): ContactEmails {
  const { properties, isLoading, error } = useCrmProperties(EMAIL_PROPERTIES);
  return { emails: contactEmails(properties), isLoading, error };
}
