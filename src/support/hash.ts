/**
 * SHA-256 as lowercase hex: the one function for every hash portbook writes or
 * compares (header stamps, the manifest, template and cache keys). Node's
 * one-shot `crypto.hash` (20.12 and later) where there is one: it allocates no
 * Hash object per call, a third of stamping the 2,000 drop-ins of a large
 * registry; `createHash` on older Node 20 releases, with the same result.
 */
import crypto from 'node:crypto';

type OneShot = (algorithm: string, data: string | NodeJS.ArrayBufferView, encoding: 'hex') => string;
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;

export function sha256Hex(data: string | NodeJS.ArrayBufferView): string {
  return oneShot ? oneShot('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');
}
