// Secrets at rest: AES-256-GCM with a key derived from SECRET_KEY, and constant-time comparisons.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const FORMAT = 'v1';

export interface SecretBox {
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
  /** A keyed hash for looking a secret up without storing it (webhook tokens). */
  fingerprint(secret: string): string;
  /** A value derived from the key for one purpose (e.g. the admin API token). */
  derive(purpose: string): string;
}

export function createSecretBox(secretKey: string): SecretBox {
  const ikm = Buffer.from(secretKey, 'utf8');
  const encKey = Buffer.from(hkdfSync('sha256', ikm, 'pretix-hubspot', 'token-encryption', 32));
  const macKey = Buffer.from(hkdfSync('sha256', ikm, 'pretix-hubspot', 'fingerprint', 32));
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [FORMAT, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join(':');
    },
    decrypt(sealed) {
      const [format, iv, tag, ciphertext] = sealed.split(':');
      if (format !== FORMAT || !iv || !tag || ciphertext === undefined) throw new Error('not an encrypted secret');
      const decipher = createDecipheriv('aes-256-gcm', encKey, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      try {
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new Error('cannot decrypt a stored secret: was SECRET_KEY changed?');
      }
    },
    fingerprint(secret) {
      return createHash('sha256').update(macKey).update(secret, 'utf8').digest('base64url');
    },
    derive(purpose) {
      return Buffer.from(hkdfSync('sha256', ikm, 'pretix-hubspot', purpose, 32)).toString('base64url');
    },
  };
}

/** Constant-time string equality; lengths are compared by hashing first so they leak nothing either. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/**
 * Constant-time equality of two fingerprints (SecretBox.fingerprint). Every fingerprint has the same length (a SHA-256
 * digest in base64url), so the length says nothing and the bytes are compared as they are: a webhook delivery's hot
 * path, where safeEqual's two extra hashes were a twentieth of the receiver's CPU.
 */
export function equalFingerprints(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** An unguessable URL-safe token (256 bits). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}
