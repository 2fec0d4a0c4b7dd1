// Keys are stored as the SHA-256 hex of their secret (api_keys.secret_hash): however it is computed, a key made
// before reads the same hash now.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashApiSecret } from '../src/core/api-keys.js';

describe('hashApiSecret', () => {
  it('is the SHA-256 hex digest of the secret, as keys were stored', () => {
    for (let i = 0; i < 50; i++) {
      const secret = `pk_${randomBytes(32).toString('base64url')}`;
      expect(hashApiSecret(secret)).toBe(createHash('sha256').update(secret).digest('hex'));
    }
    expect(hashApiSecret('pk_é')).toBe(createHash('sha256').update('pk_é').digest('hex'));
  });
});
