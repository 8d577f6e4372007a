import { describe, expect, it } from 'vitest';
import { hubspotRecordUrl } from '../../receiver/hubspot/object-links';

describe('hubspotRecordUrl', () => {
  it('uses the object type id in HubSpot\'s record URL scheme', () => {
    expect(hubspotRecordUrl('https://app.hubspot.com', 4242, 'contacts', '101')).toBe('https://app.hubspot.com/contacts/4242/record/0-1/101');
    expect(hubspotRecordUrl('https://app.hubspot.com/', '4242', 'companies', '7')).toBe('https://app.hubspot.com/contacts/4242/record/0-2/7');
    expect(hubspotRecordUrl('https://app-eu1.hubspot.com', 4242, 'deals', '9')).toBe('https://app-eu1.hubspot.com/contacts/4242/record/0-3/9');
  });
});
