// Charge point passwords (OCPP 1.6 security profile 1: HTTP Basic, the username is the charge point id).
// Only an scrypt hash is stored; the password is shown once, by `parkctl ev charger add`.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: Buffer, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));

/**
 * scrypt cost N=2^10, r=8, p=1: 1 MB and about 3 ms a check. The password is 192 random bits, not a person's
 * choice, so stretching buys nothing against guessing; what a high cost did buy was memory: with N=2^14 (16 MB
 * a check) `ev serve` kept about 1 MB of resident memory per charge point admitted (malloc arenas of libuv's
 * threads: 93 -> 158 MB RSS for 50 charge points, measured), which 500 charge points cannot afford.
 * The parameters are stored in each hash: older hashes keep verifying.
 */
const params = { N: 1024, r: 8, p: 1 } as const;
const keyLength = 32;

/**
 * A new password: 24 random bytes as 32 base64url characters. OCPP 1.6 security (whitepaper ed. 2) asks
 * for 16 to 40 characters of a restricted alphabet; base64url stays inside it.
 */
export function newChargerPassword(): string {
  return randomBytes(24).toString('base64url');
}

export async function hashChargerPassword(password: string | Buffer): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(Buffer.from(password), salt, keyLength, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether `password` matches the stored hash; a malformed hash never matches. */
export async function verifyChargerPassword(password: Buffer | string | undefined, stored: string | null): Promise<boolean> {
  if (!password || !stored) return false;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (![N, r, p].every(Number.isInteger) || expected.length !== keyLength) return false;
  const key = await scrypt(Buffer.from(password), salt, keyLength, { N, r, p, maxmem: 64 * 1024 * 1024 });
  return timingSafeEqual(key, expected);
}
