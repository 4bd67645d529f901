/** Table columns: which header words name which kind of column (`Port(s)`, `Proxy Target`…). */
import { letterDigitRuns } from '../registry/names.js';

export type ColumnKind =
  | 'service'
  | 'port'
  | 'protocol'
  | 'status'
  | 'description'
  | 'variable'
  | 'environment'
  | 'domain'
  | 'url'
  | 'ssl'
  | 'target'
  | 'exposure';

/** Header words (lower case, markup and punctuation removed) → what the column holds. */
const columnNames: ReadonlyArray<[ColumnKind, ReadonlyArray<string>]> = [
  ['service', ['service', 'services', 'service name', 'name', 'app', 'application', 'component']],
  ['port', ['port', 'ports', 'port number', 'port no', 'internal port', 'local port', 'listen port']],
  ['protocol', ['protocol', 'protocols', 'proto', 'type']],
  ['status', ['status', 'state']],
  ['description', ['description', 'notes', 'note', 'purpose', 'details', 'comment', 'comments', 'usage', 'used for']],
  ['variable', ['env', 'env var', 'env variable', 'variable', 'var', 'environment variable', 'env name']],
  ['environment', ['environment', 'stage', 'deployment']],
  ['domain', ['domain', 'domains', 'host', 'hostname', 'server name']],
  // in a services table, where the service is reached (a public URL is served by nginx); in an external-access table, the domain
  ['url', ['url', 'urls', 'public url', 'endpoint', 'link']],
  ['ssl', ['ssl', 'tls', 'https', 'ssl tls', 'cert', 'certificate']],
  ['target', ['proxy target', 'target', 'upstream', 'proxy', 'proxy to', 'backend', 'proxy pass']],
  // in a services table, whether the service's own port is reached from outside the host (the firewall targets open it)
  ['exposure', ['exposure', 'exposed', 'visibility', 'public']],
];

/** Normalise a header cell: `**Port(s)**` → `port`, `Proxy-Target` → `proxy target`. */
export function normaliseHeader(text: string): string {
  return letterDigitRuns(text.toLowerCase().replace(/\(s\)/g, '')).join(' ').trim();
}

export function columnKind(header: string): ColumnKind | undefined {
  const normal = normaliseHeader(header);
  for (const [kind, names] of columnNames) if (names.includes(normal)) return kind;
  // `Port (TCP)`, `HTTP Port`, `Admin Port`: any other header with the word port
  const words = normal.split(' ');
  if (words.includes('port') || words.includes('ports')) return 'port';
  return undefined;
}
