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

/** An ASCII IP address (`[::1]` brackets allowed around IPv6) or host name. */
function isAsciiHostOrAddress(host: string): boolean {
  if (!/^[\x21-\x7e]+$/.test(host)) return false;
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0) return !bare.includes('%') && (host === bare ? isIP(bare) === 4 : isIP(bare) === 6);
  return !host.startsWith('*') && asciiHostname(host) !== undefined;
}

/**
 * Why an address cell's host is no address nginx connects to, or a service
 * binds to, as written: an IPv6 zone id (`fe80::1%eth0`: nginx refuses it),
 * an invisible character (a soft hyphen, a zero-width space), full-width or
 * other compatibility characters (`ｌｏｃａｌｈｏｓｔ`, whose ASCII form it
 * suggests), any other non-ASCII name (an international name, or one that
 * only looks like `localhost`: its punycode form, which shows which, when it
 * has one), a name ending in its root dot (`localhost.`: DNS only, never
 * /etc/hosts), or a shape that is no address at all. Such a host is refused,
 * never rewritten: what a reviewer reads in the registry is what nginx
 * connects to.
 */
export type AddressFault =
  | { kind: 'zone'; zone: string }
  | { kind: 'invisible'; character: string }
  | { kind: 'compatibility'; ascii: string }
  | { kind: 'international'; ascii?: string }
  | { kind: 'trailing-dot'; name: string }
  | { kind: 'shape' };

/** What is wrong with `host` (brackets allowed around an IPv6 address) as an address nginx connects to, or `undefined`. */
export function addressFault(host: string): AddressFault | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const zone = bare.indexOf('%');
  if (zone > 0 && isIP(bare.slice(0, zone)) === 6) return { kind: 'zone', zone: bare.slice(zone) };
  // `localhost.`: a name with its root dot is looked up in DNS only, never in /etc/hosts, so nginx may not find it at start
  if (/^[\x21-\x7e]+\.$/.test(host) && isIP(host.slice(0, -1)) === 0 && isAsciiHostOrAddress(host.slice(0, -1)))
    return { kind: 'trailing-dot', name: host.slice(0, -1) };
  if (/^[\x00-\x7f]*$/.test(host)) return isAsciiHostOrAddress(host) ? undefined : { kind: 'shape' };
  const invisible = /[\p{Default_Ignorable_Code_Point}\p{Cf}]/u.exec(host)?.[0];
  if (invisible !== undefined) return { kind: 'invisible', character: invisible };
  const normal = host.normalize('NFKC');
  if (isAsciiHostOrAddress(normal)) return { kind: 'compatibility', ascii: normal };
  const ascii = asciiHostname(host);
  return ascii !== undefined && !ascii.startsWith('*') ? { kind: 'international', ascii } : { kind: 'international' };
}

/** An IP address (`[::1]` brackets allowed) or a host name, in ASCII, without a zone id: the address nginx may connect to. */
export function isHostOrAddress(host: string): boolean {
  return addressFault(host) === undefined;
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}
