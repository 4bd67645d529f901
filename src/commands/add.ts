/**
 * `add`: a new service in the registry, on the port asked for or the next
 * free one, in the shape of its table's rows; then regenerate. A protocol or
 * description the table has no column for gets the column.
 */
import type { PathOptions } from '../config/load.js';
import { addColumn, addServiceRow, MissingColumn, type NewService } from '../edit/add.js';
import { chooseRanges, freePorts } from '../edit/allocate.js';
import { hasDefaultTable, tableEnvironments } from '../edit/tables.js';
import { extract } from '../extract/index.js';
import { read } from '../read/index.js';
import { portsIn } from '../registry/queries.js';
import type { EnvironmentName, Registry } from '../registry/types.js';
import { PortbookError } from '../support/errors.js';
import { loadRegistry } from './build.js';
import { applyEdit, type EditOutcome, unavailablePorts } from './registry-edit.js';

export interface AddOptions extends PathOptions {
  name: string;
  protocol: string;
  /** The port; default: the next free one in `range`. */
  port?: number;
  /** The reserved range to pick from (see `next`). */
  range?: string;
  /** Default: the default environment, when it has a table. */
  environment?: EnvironmentName | 'default';
  description?: string;
}

/** `add` without an environment, where the default environment has no table: the environments that have one. */
export class EnvironmentNeeded extends PortbookError {
  constructor(readonly environments: string[]) {
    super(`the registry has no default-environment table: say which one with ${environments.map((name) => `--env ${name}`).join(' or ') || '--env'}`, 2);
  }
}

export type AddOutcome = EditOutcome & {
  service: string;
  environment: EnvironmentName | 'default';
  port: number;
  /** The line of the new row. */
  line: number;
  /** Columns the table got for the new row's protocol or description. */
  columnsAdded: Array<'protocol' | 'description'>;
  /** Why listening sockets were not checked, when they were not. */
  notes: string[];
};

export function add(options: AddOptions): AddOutcome {
  const loaded = loadRegistry(options);
  const { registry } = loaded;
  const environment = options.environment ?? defaultEnvironment(registry);
  const notes: string[] = [];
  let port: number;
  if (options.port !== undefined) {
    port = options.port;
    if (portsIn(registry, environment).has(port))
      throw new PortbookError(`Port ${port} is already registered in the ${environment} environment; leave out --port to get a free one`, 1);
  } else {
    [port] = freePorts(chooseRanges(registry, options.range), unavailablePorts(registry, notes), 1) as [number];
  }
  const service: NewService = {
    name: options.name,
    protocol: options.protocol,
    port,
    environment,
    ...(options.description ? { description: options.description } : {}),
  };
  const { text, line, columnsAdded } = withRow(loaded.text, registry, service, loaded.displayPath);
  refuseMarkup(text, line, options.name, loaded.displayPath);
  return { ...applyEdit(loaded, text, options), service: options.name, environment, port, line, columnsAdded, notes };
}

/**
 * The name goes into the table as it is written: one that Markdown reads as
 * something else (`~~Old~~` is a struck-through, removed row; `**API**` is
 * `API`) would add another service than the one asked for, or none.
 */
function refuseMarkup(text: string, line: number, name: string, displayPath: string): void {
  const row = extract(read(new TextEncoder().encode(text), displayPath)).services.find((service) => service.position.line === line);
  if (row?.name.value === name.trim()) return;
  const reads = row ? `reads as ${JSON.stringify(row.name.value)}` : 'reads as a struck-through (removed) row, which gen skips';
  throw new PortbookError(`The name ${JSON.stringify(name)} ${reads} in a table cell: give the name without Markdown markup`, 2);
}

/** The default environment, when it has a table of its own; else the caller must name one. */
function defaultEnvironment(registry: Registry): 'default' {
  if (hasDefaultTable(registry)) return 'default';
  throw new EnvironmentNeeded(tableEnvironments(registry).filter((name) => name !== 'default'));
}

/** The registry's text with the row added, adding the columns its values need first (each at most once). */
function withRow(
  text: string,
  registry: Registry,
  service: NewService,
  displayPath: string,
): { text: string; line: number; columnsAdded: Array<'protocol' | 'description'> } {
  const columnsAdded: Array<'protocol' | 'description'> = [];
  let current = { text, registry };
  for (;;) {
    try {
      return { ...addServiceRow(current.text, current.registry, service), columnsAdded };
    } catch (error) {
      if (!(error instanceof MissingColumn) || columnsAdded.includes(error.column)) throw error;
      columnsAdded.push(error.column);
      const edited = addColumn(current.text, error.table, error.column);
      // read again: every position after the new column moved
      current = { text: edited, registry: extract(read(new TextEncoder().encode(edited), displayPath)) };
    }
  }
}
