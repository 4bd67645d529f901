/**
 * Port tables: a service or external-access table read into registry rows,
 * with the environment each row is placed in.
 */
import type { Nodes, Table, TableCell, TableRow } from 'mdast';
import { code, report } from '../diagnostics/report.js';
import type { Source } from '../read/index.js';
import { environmentsNamed, placedEverywhere } from '../registry/environments.js';
import type { Environment, ExternalAccess, Field, Point, PortCell, Registry, Service, ServiceUrl } from '../registry/types.js';
import {
  cellField,
  cellText,
  cellUrl,
  parseDomain,
  parseExposure,
  parsePort,
  parseProxyTarget,
  parseServiceUrl,
  parseSsl,
  struckThrough,
  webScheme,
} from './cells.js';
import { type ColumnKind, columnKind } from './columns.js';
import { nodeText } from './walk.js';

/** A row's cell in the column of one kind, or `undefined` when the table has no such column. */
type CellOf = (kind: ColumnKind) => Field<string> | undefined;

/**
 * Read a service or external-access table into `registry` (its `all` rows
 * also into `everywhere`); any other table is left alone, and reported when
 * it almost is one.
 */
export function readTable(
  table: Table,
  environment: Environment,
  registry: Registry,
  everywhere: Array<Service | ExternalAccess>,
  source: Source,
  point: (node: Nodes | undefined) => Point,
): void {
  const [header, ...rows] = table.children;
  if (!header) return;
  const columns = readColumns(header, source, point);

  // a Domain/Host/URL column alone does not make a service table an external-access one
  const domainKind: ColumnKind | undefined = columns.has('domain') ? 'domain' : columns.has('url') ? 'url' : undefined;
  const isExternal = domainKind !== undefined && (columns.has('target') || (columns.has('port') && !columns.has('service')));
  const isServices = !isExternal && columns.has('service') && columns.has('port');
  if (!isExternal && !isServices) {
    reportAlmostATable(header, columns, source, point);
    return;
  }
  if (isServices) {
    const kinds = header.children.map((_, index) => [...columns].find(([, at]) => at === index)?.[0]);
    registry.serviceTables ??= [];
    registry.serviceTables.push({
      environment: environment.name,
      position: point(header),
      end: source.toOriginal(table.position?.end ?? point(header)).line,
      columns: kinds,
    });
  }

  const width = header.children.length;
  for (const row of rows) {
    const rowPoint = point(row);
    reportCellPastLastColumn(row, width, source, point);
    const get = (kind: ColumnKind): Field<string> | undefined => {
      const index = columns.get(kind);
      if (index === undefined) return undefined;
      return cellField(row.children[index], rowPoint, source, point);
    };
    if (row.children.every((cell) => cellText(cell).trim() === '')) continue;
    const key = isServices ? columns.get('service')! : columns.get(domainKind!)!;
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
      const service = serviceFromRow(
        get,
        row.children[columns.get('port')!],
        placement,
        environment,
        rowPoint,
        source.toOriginal(table.position?.end ?? rowPoint).line,
      );
      const url = readUrl(get('url'), row.children[columns.get('url') ?? -1]);
      if (url) service.url = url;
      add(registry.services, service);
      // a public URL is external access for the service: a server block, as an external-access row would give
      const access = accessFromUrl(service, rowPoint);
      if (access) add(registry.externalAccess, access);
    } else {
      add(registry.externalAccess, accessFromRow(get, domainKind!, environment, rowPoint));
    }
  }
}

/** The columns a header names (a kind's first column), reporting a second column of one kind. */
function readColumns(header: TableRow, source: Source, point: (node: Nodes | undefined) => Point): Map<ColumnKind, number> {
  const columns = new Map<ColumnKind, number>();
  header.children.forEach((cell, index) => {
    const kind = columnKind(cellText(cell));
    if (!kind) return;
    if (columns.has(kind)) {
      report(
        source.file,
        'table-duplicate-column',
        `Unexpected second ${code(kind)} column ${code(nodeText(cell).trim())}, expected one: portbook reads the first and ignores this one; rename or remove it`,
        point(cell.children[0] ?? cell),
      );
      return;
    }
    columns.set(kind, index);
  });
  return columns;
}

/** A cell past the header's last column: reported, and then ignored. */
function reportCellPastLastColumn(row: TableRow, width: number, source: Source, point: (node: Nodes | undefined) => Point): void {
  const extra = row.children[width];
  if (extra && nodeText(extra).trim() !== '') {
    report(
      source.file,
      'table-ragged',
      `Unexpected cell ${code(nodeText(extra).trim())} past the last column (the row has ${row.children.length} cells, the header ${width}): it is ignored; write a \`|\` inside a cell as \`\\|\``,
      point(extra.children[0] ?? extra),
    );
  }
}

/** A service table's row as a Service of the table's environment (`readTable` places it). */
function serviceFromRow(
  get: CellOf,
  portCell: TableCell | undefined,
  placement: Field<string> | undefined,
  environment: Environment,
  rowPoint: Point,
  tableEnd: number,
): Service {
  const portField = get('port')!;
  const port: Field<PortCell> = {
    ...portField,
    value: portCell ? parsePort(portField.text) : { kind: 'missing' },
  };
  const service: Service = {
    environment,
    name: get('service')!,
    port,
    position: rowPoint,
    tableEnd,
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
  const exposure = get('exposure');
  if (exposure && exposure.text !== '') service.exposure = { ...exposure, value: parseExposure(exposure.text) };
  return service;
}

/** A URL cell, when the table has the column and the cell is not empty: its text, or the address of the one link it holds. */
function readUrl(field: Field<string> | undefined, cell: TableCell | undefined): Field<ServiceUrl> | undefined {
  if (!field || field.text === '') return undefined;
  const text = cellUrl(cell) ?? field.text;
  return { value: parseServiceUrl(text), text, position: field.position };
}

/**
 * The external access a service row's public URL means: its domain and port
 * from the URL, SSL from the scheme, the row's own port on loopback as the
 * target; none for a URL that is not public, or a port that is not one yet
 * (port-placeholder and the like say so).
 */
function accessFromUrl(service: Service, rowPoint: Point): ExternalAccess | undefined {
  const url = service.url;
  const port = service.port.value.kind === 'number' ? service.port.value.port : undefined;
  if (url?.value.kind !== 'public' || port === undefined || port < 1 || port > 65535) return undefined;
  const at = url.position;
  const access: ExternalAccess = {
    environment: service.environment,
    domain: { value: url.value.host, text: url.text, position: at },
    target: { value: { host: '127.0.0.1', port }, text: `127.0.0.1:${port}`, position: at },
    position: rowPoint,
    fromUrl: true,
  };
  const scheme = webScheme(url.value.scheme);
  if (scheme) access.scheme = scheme;
  if (url.value.port !== undefined) access.port = { value: { kind: 'number', port: url.value.port }, text: String(url.value.port), position: at };
  return access;
}

/** An external-access table's row as an ExternalAccess of the table's environment (`readTable` places it). */
function accessFromRow(get: CellOf, domainKind: ColumnKind, environment: Environment, rowPoint: Point): ExternalAccess {
  const domainField = get(domainKind)!;
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
  return access;
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
  if (columns.has('url') && columns.has('service') && !columns.has('target')) missing = 'a `Port` column';
  else if (columns.has('domain') || columns.has('url')) missing = 'a `Proxy Target` column (and a `Port` column)';
  else if (columns.has('port') && !columns.has('service')) missing = 'a `Service` column';
  else if (columns.has('service') && (columns.has('protocol') || columns.has('variable') || columns.has('target'))) missing = 'a `Port` column';
  if (!missing) return;
  report(
    source.file,
    'table-missing-column',
    `Table looks like a port table but has no ${missing.replace(/^a /, '')}, so portbook does not read it: add ${missing}`,
    point(header.children[0]?.children[0] ?? header),
  );
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
    'environment-unknown',
    `Unexpected environment ${code(cell.text)}, expected development, staging, production, test or all`,
    cell.position,
  );
  return [table];
}
