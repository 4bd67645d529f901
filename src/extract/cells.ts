/**
 * Cell values: a cell's text and position, and what a port, proxy target,
 * SSL or domain cell says (placeholders and struck-through rows included).
 */
import { isIP } from 'node:net';
import type { Nodes, PhrasingContent, TableCell } from 'mdast';
import type { Source } from '../read/index.js';
import type { Exposure, Field, Point, PortCell, ProxyTarget, ServiceUrl } from '../registry/types.js';
import { cellText, nodeText } from './walk.js';

export { cellText } from './walk.js';

// Non-ASCII characters in patterns are written as escapes (here — – …, below ✅ ✔ ✓ ☑ 🔒 🌐 and ❌ ✗ ✘ ✖ ⛔ 🚫):
// one literal one in a bundle makes V8 hold all of its source as two-byte text, read and kept at twice the size.
const placeholder = /^(x+|\?+|tbd|tba|todo|n\/?a|-+|\u2014|\u2013|\u2026|\.\.\.|<[^>]*>|\{[^}]*\}|\[[^\]]*\]|port|none)$/i;

/** Read a port cell: `17354`, `` `17354` ``, `:17354`, `17354/tcp`; placeholders like `xxxx`. */
export function parsePort(text: string): PortCell {
  const trimmed = text.trim();
  if (trimmed === '' || placeholder.test(trimmed)) return { kind: 'placeholder' };
  const match = /^:?(\d+)(?:\/(?:tcp|udp))?$/i.exec(trimmed);
  if (match) return { kind: 'number', port: Number(match[1]) };
  const reading = typoReading(trimmed);
  return reading === undefined ? { kind: 'invalid' } : { kind: 'invalid', reading };
}

/**
 * The one obvious port a mistyped cell means, or `undefined`: letters that
 * look like digits (`O`/`o` → 0, `l`/`I` → 1: `80O0`), a number split by
 * spaces before parts that cannot be ports on their own (`80 00`), or a
 * thousands separator (`8,000`). Nothing else is guessed: `443 80` may be
 * two ports, `8.000` may be eight, `80a0` anything.
 */
function typoReading(text: string): number | undefined {
  if (!/\d/.test(text)) return undefined;
  const digits = text.replace(/[Oo]/g, '0').replace(/[lI]/g, '1');
  let joined: string | undefined;
  if (/^\d+$/.test(digits)) joined = digits;
  else if (/^\d{1,2},\d{3}$/.test(digits)) joined = digits.replace(',', '');
  else {
    const groups = digits.split(/[ \u00a0\u2009\u202f]+/);
    // `80 00`: every part after the first starts with 0, so none of them is a port of its own
    if (groups.length > 1 && groups.every((group) => /^\d+$/.test(group)) && groups.slice(1).every((group) => group.startsWith('0'))) joined = groups.join('');
  }
  if (joined === undefined) return undefined;
  const port = Number(joined);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** `127.0.0.1:16532`, `http://localhost:3000/`, `[::1]:8080`, or a bare port (meaning loopback). */
export function parseProxyTarget(text: string): ProxyTarget | undefined {
  const trimmed = text
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/$/, '');
  if (/^\d+$/.test(trimmed)) return { host: '127.0.0.1', port: Number(trimmed) };
  // anything in brackets is read as an IPv6 address, so that validate can say what is wrong with it (a zone id, say)
  const match = /^(\[[^\s[\]]+\]|[^\s:/[\]]+):(\d+)$/.exec(trimmed);
  if (!match) return undefined;
  return { host: match[1]!, port: Number(match[2]) };
}

const yes = /^(yes|y|true|on|enabled?|ssl|tls|https|\u2705|\u2714|\u2713|\u2611|\ud83d\udd12)$/i;
const no = /^(no|n|false|off|disabled?|none|http|\u274c|\u2717|\u2718|\u2716|\u26d4|\ud83d\udeab|-|\u2014)$/i;

/** `✅`, `Yes`, `❌ No`, `no (internal)` → boolean; anything else → undefined. */
export function parseSsl(text: string): boolean | undefined {
  const first =
    text
      .replace(/\uFE0F/g, '')
      .trim()
      .split(/[\s(,]+/u)[0] ?? '';
  if (yes.test(first)) return true;
  if (no.test(first)) return false;
  return undefined;
}

const publicWords = /^(public|internet|external|exposed|open|yes|y|true|\u2705|\u2714|\u2713|\u2611|\ud83c\udf10)$/i;
const internalWords = /^(internal|private|local|localhost|loopback|closed|no|n|false|none|\u274c|\u2717|\u2718|\u2716|\u26d4|\ud83d\udeab|-|\u2014)$/i;

/** An Exposure cell's first word: `public` (`Public`, `yes`, `✅`, `public (game clients)`), `internal` (`Internal only`, `no`, `❌`, `—`), else undefined. */
export function parseExposure(text: string): Exposure | undefined {
  const first =
    text
      .replace(/\uFE0F/g, '')
      .trim()
      .split(/[\s(,]+/u)[0] ?? '';
  if (publicWords.test(first)) return 'public';
  if (internalWords.test(first)) return 'internal';
  return undefined;
}

/** Domain cell → host and scheme: `https://video.example.com/` → `video.example.com`, `https`. */
export function parseDomain(text: string): { host: string; scheme?: 'http' | 'https' } {
  const trimmed = text.trim();
  const match = /^(https?):\/\/(.*)$/i.exec(trimmed);
  const host = (match ? match[2]! : trimmed).replace(/\/$/, '').toLowerCase();
  return match ? { host, scheme: match[1]!.toLowerCase() as 'http' | 'https' } : { host };
}

/** The schemes nginx serves a public URL with, and what each means for TLS. */
const webSchemes: Readonly<Record<string, 'http' | 'https'>> = { http: 'http', https: 'https', ws: 'http', wss: 'https' };

/** `https` for `https` and `wss`, `http` for `http` and `ws`: how nginx serves a public URL of that scheme. */
export function webScheme(scheme: string | undefined): 'http' | 'https' | undefined {
  return scheme === undefined ? undefined : webSchemes[scheme];
}

/**
 * A services table's URL cell: `https://api.example.com` (public: nginx
 * serves it), `http://localhost:3000` (local: where the service listens), or
 * what is wrong with it. A path is read but not supported on a public URL
 * (nginx would have to rewrite it); on a local one only the port counts.
 */
export function parseServiceUrl(text: string): ServiceUrl {
  const trimmed = text.trim();
  const match = /^(?:([A-Za-z][A-Za-z0-9+.-]*):\/\/)?([^\s/?#]*)([^\s]*)$/.exec(trimmed);
  if (!match || trimmed === '') return { kind: 'unsupported', problem: 'shape', host: '' };
  const scheme = match[1]?.toLowerCase();
  const authority = match[2]!;
  const rest = match[3]!;
  const credentials = authority.includes('@');
  const hostPort = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d+))?$/.exec(authority.slice(authority.lastIndexOf('@') + 1));
  if (!hostPort || hostPort[1] === '') return { kind: 'unsupported', problem: 'shape', host: '', ...(scheme ? { scheme } : {}) };
  const host = hostPort[1]!.toLowerCase();
  const base = { host, ...(scheme ? { scheme } : {}) };
  const port = hostPort[2] === undefined ? undefined : Number(hostPort[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return { kind: 'unsupported', problem: 'port', ...base };
  const withPort = { ...base, ...(port !== undefined ? { port } : {}) };
  if (isLocalHost(host)) return { kind: 'local', ...withPort };
  if (credentials) return { kind: 'unsupported', problem: 'credentials', ...withPort };
  if (scheme !== undefined && webScheme(scheme) === undefined) return { kind: 'unsupported', problem: 'scheme', ...withPort };
  if (rest !== '' && rest !== '/') return { kind: 'unsupported', problem: 'path', ...withPort, path: rest };
  return { kind: 'public', ...withPort };
}

/** `localhost` (and `*.localhost`), an IP address, or a name without a dot (a container's, `api`): not a public name nginx would serve. */
function isLocalHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  return isIP(bare) !== 0 || bare === 'localhost' || bare.endsWith('.localhost') || !bare.includes('.');
}

/**
 * The URL a cell holds: its text, or, when the cell is one link whose text
 * is not its address (`[the shop](https://shop.example.com)`), the address.
 */
export function cellUrl(cell: TableCell | undefined): string | undefined {
  const content = cell?.children.filter((child) => !(child.type === 'text' && child.value.trim() === '')) ?? [];
  const only = content.length === 1 ? content[0] : undefined;
  if (only?.type !== 'link') return undefined;
  const text = nodeText(only).trim();
  const shown = only.url.replace(/^(https?:\/\/|mailto:)/i, '');
  return text === only.url || text === shown ? undefined : only.url;
}

/** A cell whose content is struck through (`~~16544~~`) marks a row as removed. */
export function struckThrough(cell: TableCell | undefined): boolean {
  const content = cell?.children.filter((child) => !(child.type === 'text' && child.value.trim() === '')) ?? [];
  return content.length > 0 && content.every((child) => child.type === 'delete');
}

export function cellField(cell: TableCell | undefined, row: Point, source: Source, point: (node: Nodes | undefined) => Point): Field<string> {
  if (!cell) return { value: '', text: '', position: row };
  const text = cellText(cell).replace(/\s+/g, ' ').trim();
  const first = cell.children[0] as PhrasingContent | undefined;
  if (first) return { value: text, text, position: point(first) };
  // An empty cell starts at its pipe: point just after it.
  const start = point(cell);
  const pipe = source.text[cell.position?.start.offset ?? -1] === '|';
  return { value: text, text, position: pipe ? { line: start.line, column: start.column + 1 } : start };
}
