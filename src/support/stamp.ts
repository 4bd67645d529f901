/**
 * The content hash in every generated file's header, `portbook:sha256:<hex>`.
 * It is the SHA-256 of the whole file with the hex replaced by zeros, so a
 * file carries its own proof of being untouched since portbook wrote it,
 * whatever its comment syntax, and gen can refuse to overwrite a hand edit.
 */
import { sha256Hex } from './hash.js';

const marker = 'portbook:sha256:';
const blank = '0'.repeat(64);
const stampPattern = /portbook:sha256:([0-9a-f]{64})/;

/** The placeholder a header carries before `stamp` fills it in. */
export const stampPlaceholder = `${marker}${blank}`;

/** Fill in the placeholder with the hash of the content; content without one is returned as is. */
export function stamp(content: string): string {
  const index = content.indexOf(stampPlaceholder);
  if (index === -1) return content;
  const hash = sha256Hex(content);
  return content.slice(0, index + marker.length) + hash + content.slice(index + stampPlaceholder.length);
}

export type StampState = 'intact' | 'edited' | 'none';

/**
 * `intact`: carries a stamp that matches; `edited`: carries one that does
 * not; `none`: no stamp. Line endings alone are not an edit: a copy whose
 * lines git's `core.autocrlf` turned into CRLF is still intact.
 */
export function verifyStamp(content: string): StampState {
  const match = stampPattern.exec(content);
  if (!match) return 'none';
  const index = match.index + marker.length;
  const unstamped = content.slice(0, index) + blank + content.slice(index + 64);
  if (sha256Hex(unstamped) === match[1]) return 'intact';
  return unstamped.includes('\r\n') && sha256Hex(withLf(unstamped)) === match[1] ? 'intact' : 'edited';
}

/** `text` with every CRLF as LF: what portbook wrote, when git's `core.autocrlf` checked it out with CRLF. */
export function withLf(text: string): string {
  return text.includes('\r\n') ? text.replaceAll('\r\n', '\n') : text;
}

/** Whether two texts differ in their line endings at most (CRLF against LF). */
export function sameText(a: string, b: string): boolean {
  return a === b || ((a.includes('\r') || b.includes('\r')) && withLf(a) === withLf(b));
}
