/**
 * The typed registry: the contract between extract, validate and render.
 * Nothing downstream of extract looks at mdast; every value keeps the place
 * in PORTS.md it came from, so any stage can report at the right cell.
 */

/** A 1-based line and column in the source as the user's editor shows it. */
export interface Point {
  line: number;
  column: number;
}

/** A value read from one cell (or list item) with the place it starts. */
export interface Field<T> {
  value: T;
  /** The cell's clean text (markup removed), as the user wrote it. */
  text: string;
  position: Point;
}

/** The environment a table belongs to: `null` is the default environment. */
export type EnvironmentName = 'development' | 'staging' | 'production' | 'test';

export interface Environment {
  /** `null` for the default environment (no environment named by the headings). */
  name: EnvironmentName | null;
  /** The heading that named it, when there was one. */
  heading?: Field<string>;
}

/** What a port cell held. */
export type PortCell = { kind: 'number'; port: number } | { kind: 'placeholder' } | { kind: 'missing' } | { kind: 'invalid' };

export interface Service {
  environment: Environment;
  name: Field<string>;
  port: Field<PortCell>;
  protocol?: Field<string>;
  status?: Field<string>;
  description?: Field<string>;
  /** An explicit environment variable name from an `Env`/`Variable` column. */
  variable?: Field<string>;
  /** What a details section of the document says about the service. */
  details?: ServiceDetails;
  /** The systemd unit file a configuration-files list names for it (`/etc/systemd/system/api.service`); targets/systemd.ts derives the unit name. */
  unitFile?: Field<string>;
  /** Where the row starts. */
  position: Point;
  /** The line of its table's last row (struck-through rows included), for inserting rows after it. */
  tableEnd?: number;
  /** The environment its table's heading names (`null`: the default), whatever the row's own Environment cell says. */
  tableEnvironment?: EnvironmentName | null;
  /** The row's Environment cell (`all`, `prod`), when the table has that column and the cell is not empty. */
  placement?: Field<string>;
}

/** A details section (`#### API Port: 17354` and its `Key: value` list) as read. */
export interface ServiceDetails {
  /** The bind address without the port: `0.0.0.0`, `127.0.0.1`, `*`, `::`. */
  bind?: Field<string>;
  workers?: Field<number>;
  /** The health-check path, `/health`. */
  healthCheck?: Field<string>;
  /** An `ExecStart` detail's command line (its inline code, else its text): a full unit's command, checked by exec-start-invalid. */
  execStart?: Field<string>;
  /** A `Socket Activation` detail: yes or no, `undefined` when unclear. */
  socketActivation?: Field<boolean | undefined>;
  /** Every item as written, recognised or not (free text: never rendered into directives). */
  items: Array<{ key: string; value: Field<string> }>;
}

/** A details section: the heading, the port it names (if any), and which services it was matched to. */
export interface DetailSection {
  heading: Field<string>;
  port?: number;
  details: ServiceDetails;
  /** The services it describes (empty: none matched). */
  services: Service[];
}

/** An item of a configuration-files list: `**API Service**: \`/etc/systemd/system/creator-suite-api.service\``. */
export interface ConfigFile {
  label: Field<string>;
  path: Field<string>;
  kind: 'systemd' | 'nginx' | 'other';
  /** For systemd units: the services the label matches (one means matched; several means ambiguous). */
  services: Service[];
}

/** A proxy target cell, `host:port`, split when it has that shape. */
export interface ProxyTarget {
  host: string;
  port: number;
}

export interface ExternalAccess {
  environment: Environment;
  /** The host name with any scheme and trailing slash removed. */
  domain: Field<string>;
  /** The scheme written in the cell (`https` for `https://x`), if any. */
  scheme?: 'http' | 'https';
  port?: Field<PortCell>;
  /** `true`/`false` when the SSL cell was understood, `undefined` when absent or unclear. */
  ssl?: Field<boolean | undefined>;
  target?: Field<ProxyTarget | undefined>;
  purpose?: Field<string>;
  position: Point;
}

export interface ReservedRange {
  name: Field<string>;
  /** `undefined` when the range text could not be read as `from-to`. */
  range: Field<{ from: number; to: number } | undefined>;
  description?: string;
  position: Point;
}

/** A service table as read, rows or not: where it stands and what its columns hold (for `add` into an empty one). */
export interface ServiceTable {
  /** The environment its heading names (`null`: the default). */
  environment: EnvironmentName | null;
  /** Where its header row starts. */
  position: Point;
  /** The line of its last row (the delimiter row when it has none). */
  end: number;
  /** What each header cell names (`service`, `port`, `protocol`…; the first of a kind only), `undefined` for columns portbook does not read. */
  columns: Array<string | undefined>;
}

/** Where the registry's diagram block is (the lines of its markers), or why it cannot be written. */
export interface DiagramBlock {
  /** The line of the opening marker, when the pair is usable. */
  open?: number;
  /** The line of the closing marker, when the pair is usable. */
  close?: number;
  /** A second opening marker: only the first pair gets the diagram. */
  secondMarker?: Point;
  /** Where content that portbook did not write starts between the markers: the block is left as it is. */
  foreign?: Point;
}

export interface Registry {
  services: Service[];
  externalAccess: ExternalAccess[];
  reservedRanges: ReservedRange[];
  /** Every service table, in document order, empty ones included. */
  serviceTables?: ServiceTable[];
  /** Details sections, in document order (also attached to their services). */
  detailSections?: DetailSection[];
  configFiles?: ConfigFile[];
  /** Ports a security note calls internal (`Internal ports (5837, 6194) not directly exposed`). */
  internalPorts?: Array<Field<number>>;
  /** The `<!-- portbook:diagram -->` markers, when the document has them. */
  diagramBlock?: DiagramBlock;
}
