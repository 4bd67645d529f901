/**
 * Stage 2, extract: mdast → typed registry.
 *
 * Finds service tables, external-access tables and reserved-range lists
 * wherever they stand, decides each table's environment from the headings
 * above it, and keeps the source position of every value. Values are read,
 * not judged: a placeholder port is recorded as such and validate reports it.
 */
import type { Heading, List, ListItem, Nodes, PhrasingContent, Table, TableCell } from 'mdast';
import { toString } from 'mdast-util-to-string';
import { code, report } from '../diagnostics/report.js';
import { environmentNamed, environmentsNamed } from '../registry/environments.js';
import { unitFromPath } from '../targets/systemd.js';
import type { Source } from '../read/index.js';
import type {
  ConfigFile,
  DetailSection,
  Environment,
  EnvironmentName,
  ExternalAccess,
  Field,
  Point,
  PortCell,
  ProxyTarget,
  Registry,
  ReservedRange,
  Service,
  ServiceDetails,
} from '../registry/types.js';

type ColumnKind =
  | 'service'
  | 'port'
  | 'protocol'
  | 'status'
  | 'description'
  | 'variable'
  | 'environment'
  | 'domain'
  | 'ssl'
  | 'target';

/** Header words (lower case, markup and punctuation removed) → what the column holds. */
const columnNames: ReadonlyArray<[ColumnKind, ReadonlyArray<string>]> = [
  ['service', ['service', 'services', 'service name', 'name', 'app', 'application', 'component']],
  ['port', ['port', 'ports', 'port number', 'port no', 'internal port', 'local port', 'listen port']],
  ['protocol', ['protocol', 'protocols', 'proto', 'type']],
  ['status', ['status', 'state']],
  ['description', ['description', 'notes', 'note', 'purpose', 'details', 'comment', 'comments', 'usage', 'used for']],
  ['variable', ['env', 'env var', 'env variable', 'variable', 'var', 'environment variable', 'env name']],
  ['environment', ['environment', 'stage', 'deployment']],
  ['domain', ['domain', 'domains', 'host', 'hostname', 'server name', 'url']],
  ['ssl', ['ssl', 'tls', 'https', 'ssl tls', 'cert', 'certificate']],
  ['target', ['proxy target', 'target', 'upstream', 'proxy', 'proxy to', 'backend', 'proxy pass']],
];

/** Normalise a header cell: `**Port(s)**` → `port`, `Proxy-Target` → `proxy target`. */
export function normaliseHeader(text: string): string {
  return text
    .toLowerCase()
    .replace(/\(s\)/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function columnKind(header: string): ColumnKind | undefined {
  const normal = normaliseHeader(header);
  for (const [kind, names] of columnNames) if (names.includes(normal)) return kind;
  // `Port (TCP)`, `HTTP Port`, `Admin Port`: any other header with the word port
  const words = normal.split(' ');
  if (words.includes('port') || words.includes('ports')) return 'port';
  return undefined;
}

const placeholder = /^(x+|\?+|tbd|tba|todo|n\/?a|-+|—|–|…|\.\.\.|<[^>]*>|\{[^}]*\}|\[[^\]]*\]|port|none)$/i;

/** Read a port cell: `17354`, `` `17354` ``, `:17354`, `17354/tcp`; placeholders like `xxxx`. */
export function parsePort(text: string): PortCell {
  const trimmed = text.trim();
  if (trimmed === '' || placeholder.test(trimmed)) return { kind: 'placeholder' };
  const match = /^:?(\d+)(?:\/(?:tcp|udp))?$/i.exec(trimmed);
  if (!match) return { kind: 'invalid' };
  return { kind: 'number', port: Number(match[1]) };
}

/** `127.0.0.1:16532`, `http://localhost:3000/`, `[::1]:8080`, or a bare port (meaning loopback). */
export function parseProxyTarget(text: string): ProxyTarget | undefined {
  const trimmed = text.trim().replace(/^https?:\/\//i, '').replace(/\/$/, '');
  if (/^\d+$/.test(trimmed)) return { host: '127.0.0.1', port: Number(trimmed) };
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d+)$/.exec(trimmed);
  if (!match) return undefined;
  return { host: match[1]!, port: Number(match[2]) };
}

const yes = /^(yes|y|true|on|enabled?|ssl|tls|https|✅|✔|✓|☑|🔒)$/i;
const no = /^(no|n|false|off|disabled?|none|http|❌|✗|✘|✖|⛔|🚫|-|—)$/i;

/** `✅`, `Yes`, `❌ No`, `no (internal)` → boolean; anything else → undefined. */
export function parseSsl(text: string): boolean | undefined {
  const first = text.replace(/\uFE0F/g, '').trim().split(/[\s(,]+/u)[0] ?? '';
  if (yes.test(first)) return true;
  if (no.test(first)) return false;
  return undefined;
}

/** Domain cell → host and scheme: `https://video.example.com/` → `video.example.com`, `https`. */
export function parseDomain(text: string): { host: string; scheme?: 'http' | 'https' } {
  const trimmed = text.trim();
  const match = /^(https?):\/\/(.*)$/i.exec(trimmed);
  const host = (match ? match[2]! : trimmed).replace(/\/$/, '').toLowerCase();
  return match ? { host, scheme: match[1]!.toLowerCase() as 'http' | 'https' } : { host };
}

/** The extract stage. Structural problems (a table row with no port cell…) are reported on `source.file`. */
export function extract(source: Source): Registry {
  const registry: Registry = { services: [], externalAccess: [], reservedRanges: [] };
  const headings: Array<{ depth: number; text: string; node: Heading }> = [];
  const point = (node: Nodes | undefined): Point => {
    const { line, column } = node?.position?.start ?? { line: 1, column: 1 };
    return source.toOriginal({ line, column });
  };

  // the nearest heading above a table names its environment, or it is the default one
  const environmentOf = (): Environment => {
    const heading = headings.at(-1);
    const name = heading ? environmentNamed(heading.text) : undefined;
    if (!heading || !name) return { name: null };
    return { name, heading: { value: heading.text, text: heading.text, position: point(heading.node) } };
  };

  // rows whose Environment cell says `all`: placed once every environment is known
  const everywhere: Array<Service | ExternalAccess> = [];
  // details and configuration files name services: matched once every table is read
  const pendingDetails: Array<{ heading: Field<string>; items: KeyValue[] }> = [];
  const pendingConfigFiles: KeyValue[] = [];
  const visit = (node: Nodes): void => {
    if (node.type === 'heading') {
      while (headings.length > 0 && headings.at(-1)!.depth >= node.depth) headings.pop();
      headings.push({ depth: node.depth, text: cellText(node).trim(), node });
      return;
    }
    if (node.type === 'table') {
      readTable(node, environmentOf(), registry, everywhere, source, point);
      return;
    }
    if (node.type === 'list' && headings.some((heading) => /\breserved\b/i.test(heading.text))) {
      readRanges(node, registry, source, point);
      return;
    }
    if (node.type === 'list' && headings.length > 0) {
      const heading = headings.at(-1)!;
      const field = { value: heading.text, text: heading.text, position: point(heading.node.children[0] ?? heading.node) };
      const items = keyValueItems(node, point);
      if (/\bconfig(uration)? files?\b/i.test(heading.text)) pendingConfigFiles.push(...items);
      else if (/\bsecurity\b/i.test(heading.text)) readInternalPorts(node, registry, point);
      else if (items.some((item) => detailKey(item.key) !== undefined)) pendingDetails.push({ heading: field, items });
      // and on into the items: a table may stand inside a list
    }
    if ('children' in node && node.type !== 'paragraph') for (const child of node.children) visit(child as Nodes);
  };
  for (const child of source.tree.children) visit(child);
  placeEverywhere(registry, everywhere);
  registry.detailSections = pendingDetails.map((section) => attachDetails(registry, section.heading, section.items));
  registry.configFiles = pendingConfigFiles.map((item) => attachConfigFile(registry, item));
  return registry;
}

/** One `Key: value` list item. */
interface KeyValue {
  key: string;
  value: Field<string>;
  /** Inline code in the value (`` `0.0.0.0:17354` ``), which holds the machine-readable part. */
  code?: string;
}

function keyValueItems(list: List, point: (node: Nodes | undefined) => Point): KeyValue[] {
  return (list.children as ListItem[]).flatMap((item) => {
    const text = cellText(item).replace(/\s+/g, ' ').trim();
    const match = /^([^:]{1,60}?)\s*:\s*(.*)$/.exec(text);
    if (!match) return [];
    let code: string | undefined;
    const find = (node: Nodes): void => {
      if (code === undefined && node.type === 'inlineCode') code = node.value;
      if ('children' in node) for (const child of node.children) find(child as Nodes);
    };
    find(item);
    const value: Field<string> = { value: match[2]!, text: match[2]!, position: findValuePoint(item, point, false) ?? point(item) };
    return [{ key: match[1]!, value, ...(code !== undefined ? { code } : {}) }];
  });
}

type DetailKey = 'bind' | 'workers' | 'healthCheck' | 'process' | 'framework';

/** Which detail a key names: `Bind`, `Workers`, `Health Check`, `Process`, `Framework`. */
export function detailKey(key: string): DetailKey | undefined {
  const normal = normaliseHeader(key);
  if (/^(bind|bind address|listen|listens on|address)$/.test(normal)) return 'bind';
  if (/^(workers|worker processes|processes|concurrency)$/.test(normal)) return 'workers';
  if (/^(health check|healthcheck|health|health endpoint|health path)$/.test(normal)) return 'healthCheck';
  if (/^(process|runtime|server)$/.test(normal)) return 'process';
  if (/^(framework|stack)$/.test(normal)) return 'framework';
  return undefined;
}

function parseDetails(items: KeyValue[]): ServiceDetails {
  const details: ServiceDetails = { items: items.map(({ key, value }) => ({ key, value })) };
  for (const item of items) {
    const kind = detailKey(item.key);
    const raw = (item.code ?? item.value.text).trim();
    if (kind === 'bind') {
      // `*:16532`, `0.0.0.0:17354 (all interfaces)`, `[::]:80`, `::1`, `127.0.0.1`
      const token = raw.split(/\s/)[0] ?? '';
      const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(token)?.[1];
      const host = bracketed ?? ((token.match(/:/g) ?? []).length > 1 ? token : token.replace(/:\d+$/, ''));
      details.bind = { ...item.value, value: host };
    } else if (kind === 'workers') {
      const number = /\b(\d+)\b/.exec(item.value.text)?.[1];
      const single = /\b(single|one)\b/i.test(item.value.text);
      if (number !== undefined || single) details.workers = { ...item.value, value: number !== undefined ? Number(number) : 1 };
    } else if (kind === 'healthCheck') {
      // a backticked path, a URL's path, or a word that is a path: never the slash in `N/A` or `TCP/UDP`
      const candidate = item.code ?? /(?:^|\s)((?:https?:\/\/\S+)|\/\S*)/.exec(item.value.text)?.[1];
      const path = candidate === undefined ? undefined : /^https?:\/\/[^/\s]+(\/\S*)?$/.exec(candidate) ? (/^https?:\/\/[^/\s]+(\/\S*)?$/.exec(candidate)![1] ?? '/') : candidate;
      if (path !== undefined && path.startsWith('/')) details.healthCheck = { ...item.value, value: path.replace(/[.,;)]+$/, '') || '/' };
    }
  }
  return details;
}

/** Words that say what kind of thing a heading or label is, not which service. */
const genericWords = new Set(['port', 'ports', 'service', 'services', 'details', 'detail', 'config', 'configuration', 'file', 'files', 'unit', 'systemd', 'the', 'server']);

function nameWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '' && !genericWords.has(word) && !/^\d+$/.test(word) && environmentNamed(word) === undefined);
}

/** Services whose name contains every word (`API` → `Creator Suite API`); an exact name wins. */
function servicesNamed(registry: Registry, words: string[], text: string): Service[] {
  if (words.length === 0) return [];
  const exact = registry.services.filter((service) => service.name.value.toLowerCase() === text.trim().toLowerCase());
  if (exact.length > 0) return exact;
  return registry.services.filter((service) => {
    const have = new Set(nameWords(service.name.value));
    return words.every((word) => have.has(word));
  });
}

function attachDetails(registry: Registry, heading: Field<string>, items: KeyValue[]): DetailSection {
  const details = parseDetails(items);
  const port = /\b(\d{2,5})\b/.exec(heading.text)?.[1];
  const words = nameWords(heading.text);
  const byPort = port === undefined ? [] : registry.services.filter((service) => service.port.value.kind === 'number' && service.port.value.port === Number(port));
  const byName = servicesNamed(registry, words, heading.text.replace(/[:\s]*\d+\s*$/, ''));
  const names = new Set(byName.map((service) => service.name.value));
  // a heading that names a port picks the services on it (if its words agree); otherwise the services it names
  let services = byPort.length > 0 && (words.length === 0 || byPort.some((service) => names.has(service.name.value))) ? byPort : byName;
  if (new Set(services.map((service) => service.name.value)).size > 1) services = []; // ambiguous
  // a second section for the same service adds to the first (its own values win)
  for (const service of services) {
    const earlier = service.details;
    service.details = earlier ? { ...earlier, ...withoutUndefined(details), items: [...earlier.items, ...details.items] } : details;
  }
  return { heading, ...(port !== undefined ? { port: Number(port) } : {}), details, services };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

function attachConfigFile(registry: Registry, item: KeyValue): ConfigFile {
  const path = (item.code ?? item.value.text).trim();
  const kind = /\.service$/.test(path) ? 'systemd' : /nginx/i.test(`${item.key} ${path}`) ? 'nginx' : 'other';
  const label: Field<string> = { value: item.key, text: item.key, position: item.value.position };
  const services = kind === 'systemd' ? servicesNamed(registry, nameWords(item.key), item.key) : [];
  const distinct = new Set(services.map((service) => service.name.value));
  if (kind === 'systemd' && distinct.size === 1) {
    const unit = unitFromPath(path);
    for (const service of services) service.unit = { value: unit, text: path, position: item.value.position };
  }
  return { label, path: { value: path, text: path, position: item.value.position }, kind, services };
}

/** `Internal ports (5837, 6194) not directly exposed to internet` under a security heading. */
function readInternalPorts(list: List, registry: Registry, point: (node: Nodes | undefined) => Point): void {
  for (const item of list.children as ListItem[]) {
    const match = /\binternal ports?\b[^(]*\(([^)]*)\)/i.exec(cellText(item));
    if (!match) continue;
    for (const number of match[1]!.match(/\d+/g) ?? []) {
      (registry.internalPorts ??= []).push({ value: Number(number), text: number, position: point(item) });
    }
  }
}

/** Put each `all` row in the default environment and every environment the document names. */
function placeEverywhere(registry: Registry, rows: Array<Service | ExternalAccess>): void {
  if (rows.length === 0) return;
  // a Set: with thousands of `all` rows, rows.includes per item was quadratic
  const shared = new Set<Service | ExternalAccess>(rows);
  const named = new Set<EnvironmentName>();
  for (const item of [...registry.services, ...registry.externalAccess]) if (item.environment.name && !shared.has(item)) named.add(item.environment.name);
  const environments: Environment[] = [{ name: null }, ...[...named].map((name) => ({ name }))];
  const expand = <T extends Service | ExternalAccess>(items: T[]): T[] =>
    items.flatMap((item) => (shared.has(item) ? environments.map((environment) => ({ ...item, environment })) : [item]));
  registry.services = expand(registry.services);
  registry.externalAccess = expand(registry.externalAccess);
}

/** The text of a node with markup removed; inline HTML (`<br>`, `<b>`) separates words instead of vanishing. */
export function cellText(node: Nodes): string {
  if (node.type === 'html') return ' ';
  if ('children' in node) return (node.children as Nodes[]).map(cellText).join('');
  return toString(node);
}

/** A cell whose content is struck through (`~~16544~~`) marks a row as removed. */
function struckThrough(cell: TableCell | undefined): boolean {
  const content = cell?.children.filter((child) => !(child.type === 'text' && child.value.trim() === '')) ?? [];
  return content.length > 0 && content.every((child) => child.type === 'delete');
}

function cellField(cell: TableCell | undefined, row: Point, source: Source, point: (node: Nodes | undefined) => Point): Field<string> {
  if (!cell) return { value: '', text: '', position: row };
  const text = cellText(cell).replace(/\s+/g, ' ').trim();
  const first = cell.children[0] as PhrasingContent | undefined;
  if (first) return { value: text, text, position: point(first) };
  // An empty cell starts at its pipe: point just after it.
  const start = point(cell);
  const pipe = source.text[cell.position?.start.offset ?? -1] === '|';
  return { value: text, text, position: pipe ? { line: start.line, column: start.column + 1 } : start };
}

function readTable(
  table: Table,
  environment: Environment,
  registry: Registry,
  everywhere: Array<Service | ExternalAccess>,
  source: Source,
  point: (node: Nodes | undefined) => Point,
): void {
  const [header, ...rows] = table.children;
  if (!header) return;
  const columns = new Map<ColumnKind, number>();
  header.children.forEach((cell, index) => {
    const kind = columnKind(cellText(cell));
    if (!kind) return;
    if (columns.has(kind)) {
      report(
        source.file,
        'warning',
        `Unexpected second ${code(kind)} column ${code(toString(cell).trim())}, expected one: portbook reads the first and ignores this one; rename or remove it`,
        point(cell.children[0] ?? cell),
        'table-duplicate-column',
      );
      return;
    }
    columns.set(kind, index);
  });

  // a Domain/Host/URL column alone does not make a service table an external-access one
  const isExternal = columns.has('domain') && (columns.has('target') || (columns.has('port') && !columns.has('service')));
  const isServices = !isExternal && columns.has('service') && columns.has('port');
  if (!isExternal && !isServices) {
    reportAlmostATable(header, columns, source, point);
    return;
  }
  if (isServices) {
    const kinds = header.children.map((_, index) => [...columns].find(([, at]) => at === index)?.[0]);
    (registry.serviceTables ??= []).push({
      environment: environment.name,
      position: point(header),
      end: source.toOriginal(table.position?.end ?? point(header)).line,
      columns: kinds,
    });
  }

  const width = header.children.length;
  for (const row of rows) {
    const rowPoint = point(row);
    const extra = row.children[width];
    if (extra && toString(extra).trim() !== '') {
      report(
        source.file,
        'warning',
        `Unexpected cell ${code(toString(extra).trim())} past the last column (the row has ${row.children.length} cells, the header ${width}): it is ignored; write a \`|\` inside a cell as \`\\|\``,
        point(extra.children[0] ?? extra),
        'table-ragged',
      );
    }
    const get = (kind: ColumnKind): Field<string> | undefined => {
      const index = columns.get(kind);
      if (index === undefined) return undefined;
      return cellField(row.children[index], rowPoint, source, point);
    };
    if (row.children.every((cell) => cellText(cell).trim() === '')) continue;
    const key = isServices ? columns.get('service')! : columns.get('domain')!;
    if (struckThrough(row.children[key]) || struckThrough(row.children[columns.get('port') ?? -1])) continue;
    const placement = get('environment');
    const placed = rowEnvironmentsOf(placement, environment, source);
    const add = <T extends Service | ExternalAccess>(list: T[], item: T): void => {
      if (placed === 'all') {
        list.push(item);
        everywhere.push(item);
      } else {
        for (const rowEnvironment of placed) list.push({ ...item, environment: rowEnvironment });
      }
    };
    if (isServices) {
      const portField = get('port')!;
      const port: Field<PortCell> = {
        ...portField,
        value: row.children[columns.get('port')!] ? parsePort(portField.text) : { kind: 'missing' },
      };
      const service: Service = {
        environment,
        name: get('service')!,
        port,
        position: rowPoint,
        tableEnd: source.toOriginal(table.position?.end ?? rowPoint).line,
        tableEnvironment: environment.name,
      };
      if (placement && placement.text !== '') service.placement = placement;
      const optional = (kind: 'protocol' | 'status' | 'description' | 'variable'): void => {
        const field = get(kind);
        if (field && field.text !== '') service[kind] = field;
      };
      optional('protocol');
      optional('status');
      optional('description');
      optional('variable');
      add(registry.services, service);
    } else {
      const domainField = get('domain')!;
      const { host, scheme } = parseDomain(domainField.text);
      const access: ExternalAccess = {
        environment,
        domain: { ...domainField, value: host },
        position: rowPoint,
      };
      if (scheme) access.scheme = scheme;
      const port = get('port');
      if (port && port.text !== '') access.port = { ...port, value: parsePort(port.text) };
      const ssl = get('ssl');
      if (ssl && ssl.text !== '') access.ssl = { ...ssl, value: parseSsl(ssl.text) };
      const target = get('target');
      if (target) access.target = { ...target, value: parseProxyTarget(target.text) };
      const purpose = get('description');
      if (purpose && purpose.text !== '') access.purpose = purpose;
      add(registry.externalAccess, access);
    }
  }
}

/**
 * A table that has some of a port table's columns but not the ones that make
 * it one is almost certainly meant as one: say which column is missing.
 */
function reportAlmostATable(
  header: Table['children'][number],
  columns: ReadonlyMap<ColumnKind, number>,
  source: Source,
  point: (node: Nodes | undefined) => Point,
): void {
  let missing: string | undefined;
  if (columns.has('domain')) missing = 'a `Proxy Target` column (and a `Port` column)';
  else if (columns.has('port') && !columns.has('service')) missing = 'a `Service` column';
  else if (columns.has('service') && (columns.has('protocol') || columns.has('variable') || columns.has('target'))) missing = 'a `Port` column';
  if (!missing) return;
  report(
    source.file,
    'warning',
    `Table looks like a port table but has no ${missing.replace(/^a /, '')}, so portbook does not read it: add ${missing}`,
    point(header.children[0]?.children[0] ?? header),
    'table-missing-column',
  );
}

/** Whether an Environment cell places its row in every environment: `all`, `any`, `shared`, `*`… */
export function placedEverywhere(cell: string): boolean {
  return /^(all|any|every|shared|common|\*)$/i.test(cell.trim());
}

/** An Environment cell: `prod`, `dev, prod` (one row each), `all`, or empty (the table's). */
function rowEnvironmentsOf(cell: Field<string> | undefined, table: Environment, source: Source): Environment[] | 'all' {
  if (!cell || cell.text === '') return [table];
  if (placedEverywhere(cell.text)) return 'all';
  if (/^default$/i.test(cell.text)) return [{ name: null }];
  const names = environmentsNamed(cell.text);
  if (names.length > 0) return names.map((name) => ({ name, heading: cell }));
  report(
    source.file,
    'error',
    `Unexpected environment ${code(cell.text)}, expected development, staging, production, test or all`,
    cell.position,
    'environment-unknown',
  );
  return [table];
}

/** `20000`, or with thousands separators as people write them: `20,000`, `20_000`, `20 000` (a no-break space). */
const rangeNumber = String.raw`(\d{1,3}(?:[,_\u00a0\u202f]\d{3})+(?!\d)|\d+)`;
const rangeDash = String.raw`\s*(?:-|–|—|to|\.\.)`;
/** `16000-16099`, `16000 to 16099`, `22_000..22_099` */
const fullRange = new RegExp(String.raw`^${rangeNumber}${rangeDash}\s*${rangeNumber}\b`);
/** One port, `9000`: not the start of a range (`9000-`), a decimal, or a number with a comma right after it (`20,5`). */
const onePort = new RegExp(String.raw`^${rangeNumber}\b(?![-–—.\d]|,\d)`);
/** A range cut short: `17000-` */
const rangeStart = new RegExp(String.raw`^${rangeNumber}${rangeDash}`);
/** What separates ranges in one item: `,`, `;`, `&`, `+` or `and`. */
const rangeSeparator = /^\s*(?:[,;&+]|and\b)\s*/i;

interface RangeElement {
  from: number;
  to: number;
  /** `16000-16099`, or `9000` for one port, without thousands separators. */
  text: string;
  /** How many characters of the value it took. */
  length: number;
  single: boolean;
}

/** The range or single port at the start of `text`. */
function rangeElementAt(text: string): RangeElement | undefined {
  const plain = (digits: string): number => Number(digits.replace(/[,_\u00a0\u202f]/g, ''));
  const range = fullRange.exec(text);
  if (range) {
    const [from, to] = [plain(range[1]!), plain(range[2]!)];
    return { from, to, text: `${from}-${to}`, length: range[0].length, single: false };
  }
  const port = onePort.exec(text);
  if (!port) return undefined;
  const value = plain(port[1]!);
  return { from: value, to: value, text: String(value), length: port[0].length, single: true };
}

/**
 * `**Primary Range**: \`16532-17354\` (API and frontend services)`. An item may
 * hold several ranges of one name, separated by a comma, `;`, `&`, `+` or
 * `and` (`16000-16099, 17000-17099`): each is a range of its own, at its own
 * place, with the item's description. After a separator, a full range always
 * counts; a single port only when the item, a separator or a parenthesis
 * follows it, so `9000, used by …` stays one port and prose. A number the
 * reading cannot place for sure, a range after no separator
 * (`16000-16099 17000-17099`) or a port followed by prose
 * (`16000-16099, 50 services`), is read as the description and reported.
 */
function readRanges(list: List, registry: Registry, source: Source, point: (node: Nodes | undefined) => Point): void {
  for (const item of list.children as ListItem[]) {
    const text = cellText(item).trim();
    const match = /^([^:]+?)\s*:\s*(.*)$/s.exec(text);
    // only items whose value starts with a number are ranges: `- **Note**: ports 80, 443 …` is prose
    if (!match || !/^\d/.test(match[2]!)) continue;
    const rest = match[2]!;
    const name: Field<string> = { value: match[1]!, text: match[1]!, position: point(item.children[0]) };
    // a place for each range: where the n-th number of the value starts
    const at = (offset: number): Point => findValuePoint(item, point, true, (rest.slice(0, offset).match(/\d+/g) ?? []).length) ?? point(item.children[0]);
    const ranges: Array<ReservedRange['range']> = [];
    const first = rangeElementAt(rest);
    let end = first?.length ?? rest.length; // an item that is no range has no description either
    if (first) ranges.push({ value: { from: first.from, to: first.to }, text: first.text, position: at(0) });
    else ranges.push({ value: undefined, text: rest.split(/\s/)[0] ?? rest, position: at(0) });
    while (first) {
      const tail = rest.slice(end);
      const separator = rangeSeparator.exec(tail)?.[0];
      const gap = separator?.length ?? /^\s*/.exec(tail)![0].length;
      const next = tail.slice(gap);
      if (!/^\d/.test(next)) break;
      const element = rangeElementAt(next);
      const after = element ? next.slice(element.length) : '';
      const alone = element !== undefined && (!element.single || /^\s*$/.test(after) || rangeSeparator.test(after) || /^\s*\(/.test(after));
      if (separator !== undefined && alone) {
        ranges.push({ value: { from: element!.from, to: element!.to }, text: element!.text, position: at(end + gap) });
        end += gap + element!.length;
        continue;
      }
      if (separator !== undefined && !element && rangeStart.test(next)) {
        // a second range cut short (`17000-`): range-invalid reports it, as it would a first one
        const token = next.split(/\s/)[0]!;
        ranges.push({ value: undefined, text: token, position: at(end + gap) });
        end += gap + token.length;
        break;
      }
      if (element) {
        report(
          source.file,
          'warning',
          `Unexpected ${code(next.trimEnd())} after the range ${code(ranges.at(-1)!.text)} of ${code(name.value)}, expected another range after a comma or \`and\`: portbook reads it as the description; separate ranges with a comma (\`16000-16099, 17000-17099\`), or put a note in parentheses`,
          at(end + gap),
          'range-ambiguous',
        );
      }
      break;
    }
    const description = rest.slice(end).trim().replace(/^\((.*)\)$/s, '$1');
    for (const range of ranges) {
      const entry: ReservedRange = { name, range, position: point(item) };
      if (description) entry.description = description;
      registry.reservedRanges.push(entry);
    }
  }
}

/**
 * Where, after the `Name:` part of a list item, the first character stands
 * (`digit` false), or the start of the `nth` run of digits (0: the first).
 */
function findValuePoint(item: ListItem, point: (node: Nodes | undefined) => Point, digit = true, nth = 0): Point | undefined {
  let seenColon = false;
  let runs = 0;
  // whether the character before the node being walked is a digit: a run may go on across nodes
  let inRun = false;
  const at = (node: Nodes, index: number): Point => {
    const start = point(node);
    if (node.type !== 'inlineCode') return { line: start.line, column: start.column + index };
    // inline code starts at its backtick: point at it, as for any cell with markup; further into it, past the fence
    const end = node.position?.end;
    const width = end && node.position!.start.line === end.line ? (end.offset! - node.position!.start.offset! - node.value.length) / 2 : undefined;
    return index === 0 || width === undefined || !Number.isInteger(width) ? start : { line: start.line, column: start.column + width + index };
  };
  const walk = (node: Nodes): Point | undefined => {
    if (node.type === 'html') inRun = false;
    if (node.type === 'text' || node.type === 'inlineCode') {
      let from = 0;
      if (!seenColon) {
        const colon = node.value.indexOf(':');
        if (colon === -1) return undefined;
        seenColon = true;
        from = colon + 1;
        inRun = false;
      }
      if (!digit) {
        const found = node.value.slice(from).search(/\S/);
        return found === -1 ? undefined : at(node, from + found);
      }
      for (let index = from; index < node.value.length; index++) {
        const isDigit = /\d/.test(node.value[index]!);
        if (isDigit && !inRun && runs++ === nth) return at(node, index);
        inRun = isDigit;
      }
      return undefined;
    }
    if ('children' in node) {
      for (const child of node.children) {
        const found = walk(child as Nodes);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(item);
}
