import { describe, expect, it } from 'vitest';
import { createSecretBox, safeEqual } from '../../receiver/store/secrets';

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
});
