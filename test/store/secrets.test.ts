import { describe, expect, it } from 'vitest';
import { createSecretBox, equalFingerprints, safeEqual } from '../../receiver/store/secrets';

describe('secret box', () => {
  const box = createSecretBox('k'.repeat(40));

  it('round-trips and never stores the plain text', () => {
    const sealed = box.encrypt('pretix-token-123');
    expect(sealed).not.toContain('pretix-token-123');
    expect(box.decrypt(sealed)).toBe('pretix-token-123');
    expect(box.encrypt('pretix-token-123')).not.toBe(sealed); // fresh IV each time
  });

  it('refuses tampered ciphertext and another key', () => {
    const sealed = box.encrypt('secret');
    const parts = sealed.split(':');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.decrypt(parts.join(':'))).toThrow(/SECRET_KEY/);
    expect(() => createSecretBox('z'.repeat(40)).decrypt(sealed)).toThrow();
  });

  it('compares in constant time without length shortcuts', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });

  it('compares fingerprints: equal only when every byte is', () => {
    const box = createSecretBox('k'.repeat(40));
    const token = 'a'.repeat(43);
    const fingerprint = box.fingerprint(token);
    expect(equalFingerprints(fingerprint, box.fingerprint(token))).toBe(true);
    expect(equalFingerprints(fingerprint, box.fingerprint(`${token}b`))).toBe(false);
    expect(equalFingerprints(fingerprint, `${fingerprint.slice(0, -1)}${fingerprint.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    // A fingerprint of another length (none is) is unequal, not an error.
    expect(equalFingerprints(fingerprint, fingerprint.slice(1))).toBe(false);
    expect(equalFingerprints('', fingerprint)).toBe(false);
  });
});
