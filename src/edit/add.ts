/**
 * `add`: a row for a new service, inserted into its environment's table in
 * the shape of the rows already there. A protocol or description the table
 * has no column for is never dropped: `MissingColumn` says which column the
 * table needs, and `addColumn` adds it.
 */

import { environmentKey } from '../registry/names.js';
import { meansDefaultProtocol } from '../registry/protocols.js';
import { readsAsPlainHttp } from '../registry/queries.js';
import type { EnvironmentName, Point, Registry, Service, ServiceTable } from '../registry/types.js';
import { PortbookError } from '../support/errors.js';
import { joinLines, type Lines, splitLines } from '../support/lines.js';
import { cellValue, insertColumn, replaceCell } from './cells.js';
import { tableEndOf, tableEnvironments, tableKey } from './tables.js';

export interface NewService {
  name: string;
  protocol: string;
  port: number;
  description?: string;
  environment?: EnvironmentName | 'default';
}

/** The table has no column for a value the new row must record (`column`): add it with `addColumn`, then add the row. */
export class MissingColumn extends PortbookError {
  constructor(
    readonly column: 'protocol' | 'description',
    readonly table: ServiceTable,
  ) {
    super(`The table at line ${table.position.line} has no ${column === 'protocol' ? 'Protocol' : 'Description'} column`, 1);
  }
}

/** The titles `addColumn` gives the columns it adds. */
const columnTitles = { protocol: 'Protocol', description: 'Description' } as const;

/**
 * Add a column to a service table: Protocol right after the Port column,
 * Description after the last column; every existing row gets an empty cell,
 * which reads as it did before (no protocol is HTTP, no description is none).
 */
export function addColumn(text: string, table: ServiceTable, column: 'protocol' | 'description'): string {
  const lines = splitLines(text);
  const port = table.columns.indexOf('port');
  const after = column === 'protocol' && port !== -1 ? port : table.columns.length - 1;
  insertColumn(lines, table.position.line, table.end, after, columnTitles[column]);
  return joinLines(lines);
}

/**
 * Insert a row for `service` after the last row of its environment's table
 * (the first table under a heading that names the environment; failing that,
 * the first table with a row placed in it by an Environment cell), copying
 * that row's shape: its cells' markup (`**name**`, `` `port` ``), padding and
 * outer pipes. Cells the new service has no value for (status, env variable)
 * are left empty; an Environment cell is left empty under the environment's
 * own heading, and names the environment elsewhere. A table under that
 * heading with no rows yet gets a first row built from its header.
 */
export function addServiceRow(text: string, registry: Registry, service: NewService): { text: string; line: number } {
  const key = service.environment ?? 'default';
  const own = registry.services.find((candidate) => tableKey(candidate) === key);
  // a table under the environment's heading with no rows yet gets the first one, built from its header
  const empty = own ? undefined : registry.serviceTables?.find((table) => environmentKey(table.environment) === key);
  if (empty) return addRowFromHeader(text, empty, service);
  const first = own ?? registry.services.find((candidate) => environmentKey(candidate.environment.name) === key);
  if (!first) {
    throw new PortbookError(`No service table for the ${key} environment; tables exist for: ${tableEnvironments(registry).join(', ') || 'none'}`);
  }
  // the new row goes after that table's last line (struck-through rows included); rows that count in several environments are listed once each
  const tableEnd = tableEndOf(first);
  const seen = new Set<string>();
  const table = registry.services.filter((row) => {
    const at = `${row.position.line}:${row.position.column}`;
    if (tableEndOf(row) !== tableEnd || seen.has(at)) return false;
    seen.add(at);
    return true;
  });
  // copy the last row that has every cell the new one needs
  const fits = (row: Service): boolean =>
    (!service.protocol || row.protocol !== undefined || !hasColumn(table, 'protocol')) &&
    (!service.description || row.description !== undefined || !hasColumn(table, 'description'));
  // under another environment's heading, only a row with an Environment cell can say where the new one belongs
  const candidates = tableKey(first) === key ? table : table.filter((row) => row.placement !== undefined);
  const last = [...candidates].reverse().find(fits) ?? candidates.at(-1)!;
  // a cell the new row needs that no row has filled in yet (empty cells are not read): build the row from the header instead
  const header = registry.serviceTables?.find((each) => each.end === tableEnd);
  if (!header) throw new Error(`internal: no header recorded for the table ending at line ${tableEnd}`);
  const lacking = (kind: 'protocol' | 'description'): boolean => !last[kind] && header.columns.includes(kind);
  if ((needsProtocolCell(service) && lacking('protocol')) || (service.description && lacking('description'))) {
    return addRowFromHeader(text, header, service);
  }
  // a table without the column: the caller adds it (addColumn) and tries again
  if (needsProtocolCell(service) && !last.protocol) throw new MissingColumn('protocol', header);
  if (service.description && !last.description) throw new MissingColumn('description', header);
  const lines = splitLines(text);
  const template = lines.lines[last.position.line - 1]!;
  const values = new Map<Point, [string, string]>();
  values.set(last.name.position, [last.name.text, cellValue(service.name, 'The name')]);
  values.set(last.port.position, [last.port.text, String(service.port)]);
  if (last.protocol) values.set(last.protocol.position, [last.protocol.text, cellValue(service.protocol, 'The protocol')]);
  if (last.description) values.set(last.description.position, [last.description.text, cellValue(service.description ?? '', 'The description')]);
  if (last.status) values.set(last.status.position, [last.status.text, '']);
  if (last.variable) values.set(last.variable.position, [last.variable.text, '']);
  // a copied `public` would open the new service's port in the firewall targets
  if (last.exposure) values.set(last.exposure.position, [last.exposure.text, '']);
  // another row's URL would serve the new service on that row's domain
  if (last.url) values.set(last.url.position, [last.url.text, '']);
  // `all` or another environment copied from the template row would put the new service somewhere else
  if (last.placement) values.set(last.placement.position, [last.placement.text, tableKey(first) === key ? '' : key]);
  // edit the copied row from right to left so earlier columns stay where they are
  const row: Lines = { bom: '', lines: [template] };
  for (const [at, [old, value]] of [...values].sort(([a], [b]) => b.column - a.column)) {
    replaceCell(row, { line: 1, column: at.column }, old, value);
  }
  return insertAfter(lines, tableEnd, row.lines[0]!, text);
}

/**
 * A row built from a table's header (the first row of a table that has none,
 * or one that needs a cell no row has filled in): one cell per header cell,
 * in the header's style (outer pipes or not, indentation), after its last row.
 */
function addRowFromHeader(text: string, table: ServiceTable, service: NewService): { text: string; line: number } {
  if (needsProtocolCell(service) && !table.columns.includes('protocol')) throw new MissingColumn('protocol', table);
  if (service.description && !table.columns.includes('description')) throw new MissingColumn('description', table);
  const values: Record<string, string> = {
    service: cellValue(service.name, 'The name'),
    port: String(service.port),
    protocol: cellValue(service.protocol, 'The protocol'),
    description: cellValue(service.description ?? '', 'The description'),
    // under another environment's heading, the Environment cell says where the row belongs
    environment: environmentKey(table.environment) === (service.environment ?? 'default') ? '' : (service.environment ?? 'default'),
  };
  const cells = table.columns.map((kind) => (kind !== undefined && Object.hasOwn(values, kind) ? values[kind]! : ''));
  const lines = splitLines(text);
  const header = lines.lines[table.position.line - 1]!.replace(/(\r\n|\r|\n)$/, '');
  const indent = /^\s*/.exec(header)![0];
  // without outer pipes, a first cell left empty would read as an outer pipe: use them then
  const outer = header.trimStart().startsWith('|') || cells[0] === '';
  const row = outer ? `${indent}| ${cells.join(' | ')} |` : `${indent}${cells.join(' | ')}`;
  return insertAfter(lines, table.end, row, text);
}

/** Insert `row` after line `end` (1-based), with the file's line ending; a table at the very end of a file keeps it without a final one. */
function insertAfter(lines: Lines, end: number, row: string, text: string): { text: string; line: number } {
  const eol = /\r\n/.test(text) ? '\r\n' : /\r/.test(text) ? '\r' : '\n';
  let added = /(\r\n|\r|\n)$/.test(row) ? row : row + eol;
  const endLine = lines.lines[end - 1]!;
  if (!/(\r\n|\r|\n)$/.test(endLine)) {
    lines.lines[end - 1] = endLine + eol;
    added = added.replace(/(\r\n|\r|\n)$/, '');
  }
  lines.lines.splice(end, 0, added);
  return { text: joinLines(lines), line: end + 1 };
}

/**
 * Whether the new row needs a Protocol cell to say what it was given: a row
 * without one is read from its name and port (registry/queries.ts
 * serviceProtocol), and only a row read silently as plain HTTP (an API, a web
 * front end) says HTTP without it. Anything else, or a name that says nothing
 * (protocol-assumed would warn), gets the cell.
 */
function needsProtocolCell(service: NewService): boolean {
  if (service.protocol.trim() === '') return false;
  return !(meansDefaultProtocol(service.protocol) && readsAsPlainHttp(service.name, service.port));
}

/** Whether some row of the table has a cell of this kind (its header has the column). */
function hasColumn(table: readonly Service[], kind: 'protocol' | 'description'): boolean {
  return table.some((row) => row[kind] !== undefined);
}
