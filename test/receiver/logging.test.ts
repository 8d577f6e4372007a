import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../receiver/logging';

describe('log redaction', () => {
  it('hides webhook secrets, OAuth codes and contact emails in logged URLs', () => {
    expect(redactUrl('/webhooks/pretix/abcdefSECRET123?x=1')).toBe('/webhooks/pretix/[redacted]?x=1');
    expect(redactUrl('/oauth/callback?code=c0de&state=st4te')).toBe('/oauth/callback?code=[redacted]&state=[redacted]');
    expect(redactUrl('/api/v1/contacts/1/orders?portalId=42&email=a%40b.example&email=c%40d.example')).toBe(
      '/api/v1/contacts/1/orders?portalId=42&email=[redacted]&email=[redacted]',
    );
    expect(redactUrl('/healthz')).toBe('/healthz');
  });
});
