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
export type PortCell =
  | { kind: 'number'; port: number }
  | { kind: 'placeholder' }
  | { kind: 'missing' }
  /** `reading`: the one obvious port a typo means (`80O0`, `8,000` → 8000), when there is one. */
  | { kind: 'invalid'; reading?: number };

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
  /** The row's URL cell, when the table has that column and the cell is not empty: a public one is also an ExternalAccess (`fromUrl`). */
  url?: Field<ServiceUrl>;
  /**
   * The row's Exposure cell (`public`, `internal`), when the table has that column and the cell is not
   * empty: `public` puts the service's own port in the public port set (registry/queries.ts publicPorts),
   * `internal` keeps it out; `undefined` when the cell says neither (exposure-unknown reports it).
   */
  exposure?: Field<Exposure | undefined>;
}

/** What a services table's Exposure cell says: reached from outside the host directly, or not. */
export type Exposure = 'public' | 'internal';

/**
 * A services table's URL cell as read. `public`: a host name with a dot,
 * which nginx serves (extract adds an external-access row for it); `local`:
 * `localhost`, an IP address or a name without a dot (`http://api:8000`),
 * where the service itself listens, whose port checks the Port cell;
 * `unsupported`: what `problem` says, and nothing is made of it.
 */
export interface ServiceUrl {
  kind: 'public' | 'local' | 'unsupported';
  /** The scheme as written, lower case (`https`, `wss`, `postgresql`), if any. */
  scheme?: string;
  /** The host, lower case (`api.example.com`, `127.0.0.1`, `[::1]`). */
  host: string;
  /** The port written in the URL, if any. */
  port?: number;
  /** A path, query or fragment (`/v1`, `?x=1`) on a public URL; credentials (`user:pw@`); a scheme other than http, https, ws or wss on a public URL; a port that is not one; or text that is no URL. */
  problem?: 'path' | 'credentials' | 'scheme' | 'port' | 'shape';
  /** The path, query or fragment as written (`path`). */
  path?: string;
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
  /** A `Compose Service` detail: the service's name in the project's compose file (`api`), which the compose target publishes on loopback; checked by compose-service-invalid. */
  composeService?: Field<string>;
  /** A `Container Port` detail: the port the process listens on inside its container, when it is not the registered one; `undefined` when it is not a port. */
  containerPort?: Field<number | undefined>;
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
  /**
   * Made from a services table's URL cell rather than written in an
   * external-access table: its domain (and port) are that cell, its target
   * the row's own port on loopback (`127.0.0.1:PORT`), both at the URL cell.
   */
  fromUrl?: boolean;
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

/** What portbook writes between a pair of its markers in the registry: the diagram, or a code sample of one environment's ports. */
export type BlockKind = 'diagram' | 'env' | 'python' | 'ts';

/** A block of one kind (`<!-- portbook:env -->` … `<!-- /portbook:env -->`): where its markers are, or why it cannot be written. */
export interface RegistryBlock extends DiagramBlock {
  kind: BlockKind;
}

/** A port the document mentions outside its tables: in a code sample, an ASCII picture or the text. */
export interface PortMention {
  /** The port; `text` is the mention as written (`API_PORT=8000`, `Port: 18938`, `localhost:3000`), `position` where its digits start. */
  port: Field<number>;
  /** A code block, a picture (a code block with box drawing or arrows, in no language), or the text of a paragraph or heading. */
  context: 'code' | 'picture' | 'prose';
  /** The code block's language as written, lowercased (`env`, `python`), when it names one. */
  lang?: string;
  /** The variable or key the port is given to (`API_PORT` in `API_PORT=8000`), when the mention is an assignment. */
  variable?: string;
  /** In a picture, the first line of text of the box the mention stands in (`Bot Interface`). */
  label?: string;
  /** The text before the mention on its line (in a box, before it in the box), where a service's name may stand. */
  before: string;
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
  /** The code-sample blocks (`<!-- portbook:env -->`, `portbook:python`, `portbook:ts`) the document has, in that order. */
  sampleBlocks?: RegistryBlock[];
  /** Ports mentioned outside the tables, in document order (not those inside a block portbook writes). */
  mentions?: PortMention[];
}
