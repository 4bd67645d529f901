/** Host names and addresses, checked to the letter before they reach nginx. */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The ASCII (punycode) form of a host name, or `undefined` when it is not one:
 * letters, digits and hyphens in dot-separated labels, at most 253 characters,
 * optionally starting with a `*.` wildcard label. `bücher.example` → `xn--bcher-kva.example`.
 */
export function asciiHostname(text: string): string | undefined {
  if (text === '' || /[\s;{}'"\\$#]/u.test(text)) return undefined;
  const wildcard = text.startsWith('*.');
  const rest = wildcard ? text.slice(2) : text;
  if (/^[\x00-\x7f]*$/.test(rest) && /[^a-z0-9.-]/i.test(rest)) return undefined;
  const ascii = /^[\x00-\x7f]*$/.test(rest) ? rest.toLowerCase() : domainToASCII(rest);
  if (ascii === '' || ascii.length > 253) return undefined;
  const labels = ascii.replace(/\.$/, '').split('.');
  if (!labels.every((part) => label.test(part))) return undefined;
  if (/^\d+$/.test(labels.at(-1)!)) return undefined; // looks like an IP address, not a name
  return (wildcard ? '*.' : '') + labels.join('.');
}

/** An IP address (`[::1]` brackets allowed) or a host name: the address nginx may connect to. */
export function isHostOrAddress(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0) return host === bare ? isIP(bare) === 4 : isIP(bare) === 6;
  return !host.startsWith('*') && asciiHostname(host) !== undefined;
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}
