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
import { code, report } from './diagnostics.js';
import type { Source } from './read.js';
import type {
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
} from './registry.js';

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
  return undefined;
}

const environmentWords: ReadonlyArray<[EnvironmentName, RegExp]> = [
  ['development', /^(development|develop|dev|local)$/],
  ['staging', /^(staging|stage)$/],
  ['production', /^(production|prod)$/],
  ['test', /^(test|testing|tests)$/],
];

/** The environment a heading or cell names, if any: the first environment word wins. */
export function environmentNamed(text: string): EnvironmentName | undefined {
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    for (const [name, pattern] of environmentWords) if (pattern.test(word)) return name;
  }
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

  const environmentOf = (): Environment => {
    for (let i = headings.length - 1; i >= 0; i--) {
      const heading = headings[i]!;
      const name = environmentNamed(heading.text);
      if (name) return { name, heading: { value: heading.text, text: heading.text, position: point(heading.node) } };
    }
    return { name: null };
  };

  const visit = (node: Nodes): void => {
    if (node.type === 'heading') {
      while (headings.length > 0 && headings.at(-1)!.depth >= node.depth) headings.pop();
      headings.push({ depth: node.depth, text: toString(node).trim(), node });
      return;
    }
    if (node.type === 'table') {
      readTable(node, environmentOf(), registry, source, point);
      return;
    }
    if (node.type === 'list' && headings.some((heading) => /\breserved\b/i.test(heading.text))) {
      readRanges(node, registry, source, point);
      return;
    }
    if ('children' in node && node.type !== 'paragraph') for (const child of node.children) visit(child as Nodes);
  };
  for (const child of source.tree.children) visit(child);
  return registry;
}

function cellField(cell: TableCell | undefined, row: Point, source: Source, point: (node: Nodes | undefined) => Point): Field<string> {
  if (!cell) return { value: '', text: '', position: row };
  const text = toString(cell).trim();
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
  source: Source,
  point: (node: Nodes | undefined) => Point,
): void {
  const [header, ...rows] = table.children;
  if (!header) return;
  const columns = new Map<ColumnKind, number>();
  header.children.forEach((cell, index) => {
    const kind = columnKind(toString(cell));
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

  const isExternal = columns.has('domain') && (columns.has('target') || columns.has('port'));
  const isServices = !columns.has('domain') && columns.has('service') && columns.has('port');
  if (!isExternal && !isServices) {
    reportAlmostATable(header, columns, source, point);
    return;
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
    if (row.children.every((cell) => toString(cell).trim() === '')) continue;
    const rowEnvironment = rowEnvironmentOf(get('environment'), environment, source);
    if (isServices) {
      const portField = get('port')!;
      const port: Field<PortCell> = {
        ...portField,
        value: row.children[columns.get('port')!] ? parsePort(portField.text) : { kind: 'missing' },
      };
      const service: Service = { environment: rowEnvironment, name: get('service')!, port, position: rowPoint };
      const optional = (kind: 'protocol' | 'status' | 'description' | 'variable'): void => {
        const field = get(kind);
        if (field && field.text !== '') service[kind] = field;
      };
      optional('protocol');
      optional('status');
      optional('description');
      optional('variable');
      registry.services.push(service);
    } else {
      const domainField = get('domain')!;
      const { host, scheme } = parseDomain(domainField.text);
      const access: ExternalAccess = {
        environment: rowEnvironment,
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
      registry.externalAccess.push(access);
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

function rowEnvironmentOf(cell: Field<string> | undefined, table: Environment, source: Source): Environment {
  if (!cell || cell.text === '') return table;
  const name = environmentNamed(cell.text);
  if (name) return { name, heading: cell };
  if (/^(all|any|default|shared|common|\*)$/i.test(cell.text)) return { name: null };
  report(
    source.file,
    'error',
    `Unexpected environment ${code(cell.text)}, expected development, staging, production, test or all`,
    cell.position,
    'environment-unknown',
  );
  return table;
}

/** `**Primary Range**: \`16532-17354\` (API and frontend services)` */
function readRanges(list: List, registry: Registry, source: Source, point: (node: Nodes | undefined) => Point): void {
  for (const item of list.children as ListItem[]) {
    const text = toString(item).trim();
    const match = /^([^:]+?)\s*:\s*(.*)$/s.exec(text);
    if (!match || !/\d/.test(match[2]!)) continue;
    const rest = match[2]!;
    const range = /^(\d+)\s*(?:-|–|—|to|\.\.)\s*(\d+)\b\s*(.*)$/s.exec(rest);
    const valuePosition = findValuePoint(item, point) ?? point(item);
    const rangeText = range ? `${range[1]}-${range[2]}` : rest.split(/\s/)[0] ?? rest;
    const entry: ReservedRange = {
      name: { value: match[1]!, text: match[1]!, position: point(item.children[0]) },
      range: {
        value: range ? { from: Number(range[1]), to: Number(range[2]) } : undefined,
        text: rangeText,
        position: valuePosition,
      },
      position: point(item),
    };
    const description = range?.[3]?.trim().replace(/^\((.*)\)$/s, '$1');
    if (description) entry.description = description;
    registry.reservedRanges.push(entry);
  }
}

/** Where the first digit after the `Name:` part of a list item stands. */
function findValuePoint(item: ListItem, point: (node: Nodes | undefined) => Point): Point | undefined {
  let seenColon = false;
  const at = (node: Nodes, index: number): Point => {
    const start = point(node);
    // inline code starts at its backtick: point at it, as for any cell with markup
    return node.type === 'inlineCode' ? start : { line: start.line, column: start.column + index };
  };
  const walk = (node: Nodes): Point | undefined => {
    if (node.type === 'text' || node.type === 'inlineCode') {
      let from = 0;
      if (!seenColon) {
        const colon = node.value.indexOf(':');
        if (colon === -1) return undefined;
        seenColon = true;
        from = colon + 1;
      }
      const digit = node.value.slice(from).search(/\d/);
      return digit === -1 ? undefined : at(node, from + digit);
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
