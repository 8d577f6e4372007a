// Display helpers shared by the card and the settings page (copied into both folders, see receiver.ts).
// Formatting never throws: an unknown time zone, currency or date falls back to the raw value.

/** "Mar 3, 2026, 2:05 PM" in the portal's time zone and the user's locale. */
export function formatDateTime(iso: string | null | undefined, timeZone?: string, locale?: string): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(locale || 'en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);
  } catch {
    return date.toISOString();
  }
}

/** "Mar 3, 2026" (for event dates, where the time of day is noise). */
export function formatDate(iso: string | null | undefined, timeZone?: string, locale?: string): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(locale || 'en-US', { dateStyle: 'medium', timeZone }).format(date);
  } catch {
    return iso.slice(0, 10);
  }
}

/** pretix sends money as decimal strings ("46.00"); show it with its currency. */
export function formatMoney(amount: string, currency: string, locale?: string): string {
  const value = Number(amount);
  if (!Number.isFinite(value) || !currency) return `${amount} ${currency}`.trim();
  try {
    return new Intl.NumberFormat(locale || 'en-US', { style: 'currency', currency }).format(value);
  } catch {
    return `${amount} ${currency}`;
  }
}
