/**
 * Editing the registry in place: filling placeholder ports and adding a row.
 * Edits work on the source text at the positions extract recorded, so every
 * other byte of the file (spacing, markup, line endings, the BOM) stays as it was.
 */
import { PortbookError } from '../support/errors.js';
import { placedEverywhere } from '../extract/index.js';
import { joinLines, splitLines, type Lines } from '../support/lines.js';
import { environmentKey } from '../registry/names.js';
import { portNumber } from '../registry/queries.js';
import type { EnvironmentName, Point, Registry, Service, ServiceTable } from '../registry/types.js';

/** The end (exclusive) of the cell that starts at `index` in `line`: the next unescaped pipe, or the line end. */
function cellEnd(line: string, index: number): number {
  for (let i = index; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '|' || line[i] === '\r' || line[i] === '\n') return i;
  }
  return line.length;
}

/** Replace a cell's content (from `at` to the cell's end, trailing spaces kept) with `content`. */
function replaceCell(lines: Lines, at: Point, text: string, content: string): void {
  const index = at.line - 1;
  const line = lines.lines[index];
  if (line === undefined) throw new Error(`internal: no line ${at.line}`);
  const start = at.column - 1;
  const end = cellEnd(line, start);
  const cell = line.slice(start, end);
  let replacement: string;
  if (cell.trim() === '') {
    // an empty cell (its position is just after the pipe): the value with one space each side
    replacement = content === '' ? cell : ` ${content} `;
  } else {
    const trailing = /\s*$/.exec(cell)![0];
    const body = cell.slice(0, cell.length - trailing.length);
    // keep markup around the value (`` `xxxx` `` → `` `16001` ``); clearing a cell drops its markup too
    // a function, so `$&` or `$'` in the new value are not replacement patterns
    const replaced = content === '' ? '' : text !== '' && body.includes(text) ? body.replace(text, () => content) : content;
    replacement = replaced + (trailing === '' && line[end] === '|' ? ' ' : trailing);
  }
  lines.lines[index] = line.slice(0, start) + replacement + line.slice(end);
}

export interface Filled {
  service: string;
  /** Where the row counts: `all` for a row placed in every environment, else its environments' keys, comma-separated. */
  environment: string;
  port: number;
  line: number;
}

/** Placeholder port cells, in document order, each once (a row that counts in several environments is one cell). */
export function placeholders(registry: Registry): Service[] {
  const seen = new Set<string>();
  return registry.services.filter((service) => {
    const at = `${service.port.position.line}:${service.port.position.column}`;
    if (service.port.value.kind !== 'placeholder' || seen.has(at)) return false;
    seen.add(at);
    return true;
  });
}

/** Write `ports[i]` into the i-th placeholder cell. */
export function fillPlaceholders(text: string, registry: Registry, ports: readonly number[]): { text: string; filled: Filled[] } {
  const lines = splitLines(text);
  const targets = placeholders(registry);
  // a row extract placed in several environments is one copy per environment, all at the same cell
  const counted = new Map<string, string[]>();
  for (const service of registry.services) {
    const at = `${service.port.position.line}:${service.port.position.column}`;
    const environments = counted.get(at) ?? [];
    environments.push(environmentKey(service.environment.name));
    counted.set(at, environments);
  }
  const filled = targets.map((service, index) => {
    const port = ports[index]!;
    replaceCell(lines, service.port.position, service.port.text, String(port));
    const everywhere = service.placement !== undefined && placedEverywhere(service.placement.text);
    const environment = everywhere ? 'all' : counted.get(`${service.port.position.line}:${service.port.position.column}`)!.join(', ');
    return { service: service.name.value, environment, port, line: service.port.position.line };
  });
  return { text: joinLines(lines), filled };
}

export interface NewService {
  name: string;
  protocol: string;
  port: number;
  description?: string;
  environment?: EnvironmentName | 'default';
}

/** Escape a value for a table cell: pipes escaped, line breaks refused. */
function cellValue(value: string, what: string): string {
  if (/[\r\n\u2028\u2029]/.test(value)) throw new PortbookError(`${what} must be one line`);
  return value.trim().replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

/** The environment a row's table stands under (its heading's), whatever the row's Environment cell says. */
const tableKey = (row: Service): string => environmentKey(row.tableEnvironment === undefined ? row.environment.name : row.tableEnvironment);
const tableEndOf = (row: Service): number => row.tableEnd ?? row.position.line;

/** Environments that have a table of their own (by heading), then those that only have rows placed in them by an Environment cell. */
export function tableEnvironments(registry: Registry): string[] {
  return [
    ...new Set([
      ...(registry.serviceTables ?? []).map((table) => environmentKey(table.environment)),
      ...registry.services.map(tableKey),
      ...registry.services.map((row) => environmentKey(row.environment.name)),
    ]),
  ];
}

/**
 * Whether the default environment has a table of its own: a row in it by its
 * table's heading (one that names no environment) or by a `default` cell, or a
 * table under such a heading with no rows yet; not rows that only say `all`
 * under another environment's heading.
 */
export function hasDefaultTable(registry: Registry): boolean {
  const inDefault = (row: Service): boolean => row.environment.name === null && (row.tableEnvironment == null || /^default$/i.test(row.placement?.text ?? ''));
  const rowless = (table: ServiceTable): boolean => !registry.services.some((row) => row.tableEnd === table.end);
  return registry.services.some(inDefault) || (registry.serviceTables ?? []).some((table) => table.environment === null && rowless(table));
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
  const fits = (row: Service): boolean => (!service.protocol || row.protocol !== undefined || !hasColumn(table, 'protocol')) && (!service.description || row.description !== undefined || !hasColumn(table, 'description'));
  // under another environment's heading, only a row with an Environment cell can say where the new one belongs
  const candidates = tableKey(first) === key ? table : table.filter((row) => row.placement !== undefined);
  const last = [...candidates].reverse().find(fits) ?? candidates.at(-1)!;
  // a cell the new row needs that no row has filled in yet (empty cells are not read): build the row from the header instead
  const header = registry.serviceTables?.find((each) => each.end === tableEnd);
  const lacking = (kind: 'protocol' | 'description'): boolean => !last[kind] && header?.columns.includes(kind) === true;
  if (header && ((needsProtocolCell(service.protocol) && lacking('protocol')) || (service.description && lacking('description')))) {
    return addRowFromHeader(text, header, service);
  }
  if (needsProtocolCell(service.protocol) && !last.protocol) {
    // without a Protocol cell the service reads as HTTP: anything else would be lost
    throw new PortbookError(`The table has no Protocol cell to copy, so protocol ${JSON.stringify(service.protocol)} cannot be recorded: add the row by hand`);
  }
  if (service.description && !last.description) {
    throw new PortbookError(
      hasColumn(table, 'description') || header?.columns.includes('description')
        ? 'No row of the table has a Description cell to copy: add the row by hand, or leave out --description'
        : 'The table has no Description column, so the description cannot be recorded: add the column, or leave out --description',
    );
  }
  const lines = splitLines(text);
  const template = lines.lines[last.position.line - 1]!;
  const values = new Map<Point, [string, string]>();
  values.set(last.name.position, [last.name.text, cellValue(service.name, 'The name')]);
  values.set(last.port.position, [last.port.text, String(service.port)]);
  if (last.protocol) values.set(last.protocol.position, [last.protocol.text, cellValue(service.protocol, 'The protocol')]);
  if (last.description) values.set(last.description.position, [last.description.text, cellValue(service.description ?? '', 'The description')]);
  if (last.status) values.set(last.status.position, [last.status.text, '']);
  if (last.variable) values.set(last.variable.position, [last.variable.text, '']);
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
  if (needsProtocolCell(service.protocol) && !table.columns.includes('protocol')) {
    throw new PortbookError(`The table has no Protocol column, so protocol ${JSON.stringify(service.protocol)} cannot be recorded: add the row by hand`);
  }
  if (service.description && !table.columns.includes('description')) {
    throw new PortbookError('The table has no Description column, so the description cannot be recorded: add the column, or leave out --description');
  }
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

/** A row without a Protocol cell reads as HTTP: any other protocol needs the cell. */
function needsProtocolCell(protocol: string): boolean {
  return protocol.trim() !== '' && !/^https?$/i.test(protocol.trim());
}

/** Whether some row of the table has a cell of this kind (its header has the column). */
function hasColumn(table: readonly Service[], kind: 'protocol' | 'description'): boolean {
  return table.some((row) => row[kind] !== undefined);
}

/** Ports registered in one environment (for validating `add --port`). */
export function portsIn(registry: Registry, key: string): Set<number> {
  const ports = new Set<number>();
  for (const candidate of registry.services) {
    const port = portNumber(candidate.port);
    if (port !== undefined && environmentKey(candidate.environment.name) === key) ports.add(port);
  }
  return ports;
}
