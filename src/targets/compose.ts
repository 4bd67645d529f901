/**
 * compose: an override file per environment that publishes each
 * containerised service's port on loopback (`"127.0.0.1:17354:8000"`), for
 * `docker compose -f compose.yaml -f generated/compose/docker-compose.portbook.yml`.
 * Docker writes its own iptables rules for a published port, ahead of ufw's
 * and nftables' input chains, so a port published on every interface is open
 * to the internet whatever the firewall says; on loopback only nginx (or
 * Caddy) on the host reaches it. A service is containerised when its details
 * name its compose service (`Compose Service: api`); `Container Port` gives
 * the port inside the container when it is not the registered one.
 *
 * And the other direction: a reader of the `ports:` entries of the project's
 * own compose files, for compose-publishes-all-interfaces (validate/rules/compose.ts).
 */
import { isIP } from 'node:net';
import type { Target } from './target.js';
import type { ComposePublishView, EnvironmentView, ServiceView } from './view.js';
import { yamlComment, yamlString } from './yaml.js';

/** A compose service name as the compose file format allows it: letters, digits and `._-`. */
export function isComposeServiceName(name: string): boolean {
  return /^[A-Za-z0-9._-]{1,128}$/.test(name);
}

/**
 * The publication of a containerised service: on its bind address when that
 * is a specific IP address (where nginx reaches it), else on 127.0.0.1; from
 * the registered port to the container port (the registered one unless the
 * details say otherwise).
 */
export function composePublish(service: string, bind: string | undefined, port: number, containerPort: number | undefined): ComposePublishView {
  const bare = bind?.replace(/^\[(.*)\]$/, '$1');
  const specific = bare !== undefined && isIP(bare) !== 0 && bare !== '0.0.0.0' && bare !== '::';
  return { service, hostIp: specific ? bare : '127.0.0.1', hostPort: port, containerPort: containerPort ?? port };
}

/** `127.0.0.1:17354:8000`, `[::1]:17354:8000`: a publication in compose's short syntax. */
export function composePort(publish: Pick<ComposePublishView, 'hostIp' | 'hostPort' | 'containerPort'>): string {
  const host = publish.hostIp.includes(':') ? `[${publish.hostIp}]` : publish.hostIp;
  return `${host}:${publish.hostPort}:${publish.containerPort}`;
}

/** A compose service of the override, as `compose.portbook.yml.hbs` sees it: its name and the registry services it publishes. */
export interface ComposeServiceView {
  name: string;
  ports: Array<{ publish: string; service: ServiceView }>;
}

/** An environment's containerised services, by compose service in order of first appearance. */
export function composeServices(environment: Pick<EnvironmentView, 'services'>): ComposeServiceView[] {
  const byName = new Map<string, ComposeServiceView>();
  for (const service of environment.services) {
    if (!service.compose) continue;
    const entry = byName.get(service.compose.service) ?? { name: service.compose.service, ports: [] };
    entry.ports.push({ publish: composePort(service.compose), service });
    byName.set(entry.name, entry);
  }
  return [...byName.values()];
}

export const compose: Target<'compose'> = {
  id: 'compose',
  summary:
    "a compose override that publishes each containerised service's port (its details name the compose service) on 127.0.0.1 only, where Docker's own firewall rules cannot open it to the internet",
  paths: '`compose/docker-compose.portbook.yml`, `compose/docker-compose.portbook.<environment>.yml`',
  byDefault: false,
  template: 'compose.portbook.yml.hbs',
  comment: '#',
  helpers: { yamlString, yamlComment },
  outputs: ({ model }) =>
    model.environments.flatMap((environment) => {
      const services = composeServices(environment);
      if (services.length === 0) return [];
      const path = `compose/docker-compose.portbook${environment.isDefault ? '' : `.${environment.key}`}.yml`;
      return [{ path, context: { ...model, environment, compose: services } }];
    }),
};

// ---------------------------------------------------------------- reading the project's compose files

/** The compose files `docker compose` reads from a project's directory by default, in its order of preference, overrides included. */
export const composeFileNames = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yaml',
  'docker-compose.yml',
  'compose.override.yaml',
  'compose.override.yml',
  'docker-compose.override.yaml',
  'docker-compose.override.yml',
] as const;

/** A port a compose file publishes: one entry of a `ports:` list. */
export interface ComposePublication {
  /** The 1-based line of the entry. */
  line: number;
  /** The entry as written (`"8000:8000"`), or its `published:` line for the long syntax. */
  text: string;
  /** The key the `ports:` list stands under: the compose service. */
  service?: string;
  /** The host address; `undefined` when none is given, which publishes on every interface. */
  hostIp?: string;
  /** The published host ports, first and last (one port: both the same). */
  from: number;
  to: number;
  /** The same publication bound to loopback, as it would be written: `127.0.0.1:8000:8000`, or `host_ip: 127.0.0.1` in the long syntax. */
  loopback: string;
}

/** Whether a publication reaches every interface: no address, or the wildcard of either family. */
export function onAllInterfaces(publication: Pick<ComposePublication, 'hostIp'>): boolean {
  const ip = publication.hostIp;
  return ip === undefined || ip === '' || ip === '0.0.0.0' || ip === '::';
}

/**
 * The short syntax as docker-compose reads it (docker-py's PORT_SPEC):
 * `[HOST_IP:][HOST_PORT[-END]:]CONTAINER_PORT[-END][/PROTOCOL]`.
 */
const shortSyntax = /^(?:(?:\[?(?<host>[a-fA-F\d.:]+)\]?:)?(?<from>\d*)(?:-(?<to>\d+))?:)?(?<container>\d+(?:-\d+)?(?:\/(?:udp|tcp|sctp))?)$/;

/** A YAML scalar as written on one line, comment already removed: quotes taken off (`''` and the common escapes undone). */
function scalar(text: string): string {
  const value = text.trim();
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1).replace(/''/g, "'");
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1).replace(/\\(.)/g, '$1');
  return value;
}

/** A line without its comment: `#` at the start or after a space, outside quotes. */
function withoutComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"') i++;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/** A publication from one entry: a short-syntax string, or the keys of a long-syntax mapping. */
function publicationOf(entry: string | Record<string, string>, line: number, text: string, service: string | undefined): ComposePublication | undefined {
  const at = { line, text, ...(service !== undefined ? { service } : {}) };
  if (typeof entry === 'string') {
    const match = shortSyntax.exec(entry);
    const from = match?.groups?.from;
    // no host port (`"8000"`, `"127.0.0.1::8000"`): Docker picks a free one, never a registered one on purpose
    if (!match || from === undefined || from === '') return undefined;
    const { host, to, container } = match.groups!;
    const loopback = `127.0.0.1:${from}${to !== undefined ? `-${to}` : ''}:${container}`;
    return { ...at, ...(host !== undefined ? { hostIp: host } : {}), from: Number(from), to: Number(to ?? from), loopback };
  }
  const published = /^(\d+)(?:-(\d+))?$/.exec(entry.published ?? '');
  if (!published) return undefined;
  const host = entry.host_ip;
  const ports = { from: Number(published[1]), to: Number(published[2] ?? published[1]) };
  return { ...at, ...(host !== undefined ? { hostIp: host } : {}), ...ports, loopback: 'host_ip: 127.0.0.1' };
}

/** The `key: value` pairs of a flow mapping written on one line, `{ target: 80, published: 8000 }`. */
function flowMapping(text: string): Record<string, string> {
  const pairs = text
    .replace(/^\{|\}$/g, '')
    .split(',')
    .map((pair) => /^\s*([\w-]+)\s*:\s*(.*?)\s*$/.exec(pair))
    .filter((match) => match !== null);
  return Object.fromEntries(pairs.map((match) => [match[1]!, scalar(match[2]!)]));
}

/** A line as the reader sees it: its indentation and its text without the comment, trimmed. */
interface Line {
  number: number;
  indent: number;
  text: string;
}

/** A `key: value` line (a colon then a space or the end: `8000:8000` is a string), its key a name. */
const mappingKey = /^([A-Za-z_][\w-]*)\s*:(?:\s+(.*))?$/;

/** The entries of the block sequence that follows a `ports:` key at `keyIndent`, from line index `start`; and where it ends. */
function blockEntries(lines: readonly Line[], start: number, keyIndent: number, service: string | undefined): { found: ComposePublication[]; next: number } {
  const found: ComposePublication[] = [];
  let index = start;
  let dash: number | undefined;
  while (index < lines.length) {
    const line = lines[index]!;
    if (line.text === '') {
      index++;
      continue;
    }
    const item = line.text === '-' || line.text.startsWith('- ');
    // a sequence under a key may stand at the key's own indentation
    if (!item || line.indent < keyIndent || (dash !== undefined && line.indent !== dash)) break;
    dash ??= line.indent;
    const content = line.text.slice(1).trim();
    index++;
    // the long syntax: `- target: 80` and the keys below it, deeper than the dash
    const keys: string[] = mappingKey.test(content) ? [content] : [];
    while (index < lines.length && (lines[index]!.text === '' || lines[index]!.indent > dash)) keys.push(lines[index++]!.text);
    let entry: string | Record<string, string>;
    if (content.startsWith('{')) entry = flowMapping(content);
    else if (keys.length > 0 && (content === '' || keys[0] === content)) entry = mapping(keys);
    else entry = scalar(content);
    const shown = typeof entry === 'string' ? content : `published: ${entry.published ?? ''}`;
    const publication = publicationOf(entry, line.number, shown, service);
    if (publication) found.push(publication);
  }
  return { found, next: index };
}

/** The `key: value` lines of a block mapping, values unquoted. */
function mapping(lines: readonly string[]): Record<string, string> {
  const pairs = lines.map((text) => mappingKey.exec(text)).filter((match) => match !== null);
  return Object.fromEntries(pairs.map((match) => [match[1]!, scalar(match[2] ?? '')]));
}

/** The entries of a flow sequence, `["8000:8000", "127.0.0.1:8001:8001"]`, written on one line. */
function flowEntries(text: string, line: number, service: string | undefined): ComposePublication[] {
  const inside = /^\[(.*)\]$/.exec(text)?.[1];
  if (inside === undefined) return [];
  const entries = inside.match(/\{[^}]*\}|"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^,\s][^,]*/g) ?? [];
  return entries.flatMap((written) => {
    const entry = written.startsWith('{') ? flowMapping(written) : scalar(written);
    const publication = publicationOf(entry, line, written.trim(), service);
    return publication ? [publication] : [];
  });
}

/**
 * Every port a compose file publishes with a host port, as far as a reader of
 * lines can tell: block and flow `ports:` lists, short and long syntax, under
 * the key of their service. What it cannot follow (aliases and merge keys,
 * `${VARIABLE}` substitution, a flow list spread over several lines) it
 * leaves out; text in block scalars (`|`, `>`) is not read as keys.
 */
export function composePublications(text: string): ComposePublication[] {
  const lines: Line[] = text.split(/\r\n|\r|\n/).map((raw, index) => {
    const body = withoutComment(raw.replace(/\t/g, ' ')).trimEnd();
    return { number: index + 1, indent: body.length - body.trimStart().length, text: body.trim() };
  });
  const found: ComposePublication[] = [];
  const parents: Array<{ indent: number; key: string }> = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index]!;
    index++;
    if (line.text === '') continue;
    while (parents.length > 0 && parents.at(-1)!.indent >= line.indent) parents.pop();
    const key = /^(?:-\s+)?("[^"]*"|'[^']*'|[^\s:'"][^:]*?)\s*:(?:\s+(.*))?$/.exec(line.text);
    if (!key) continue;
    const name = scalar(key[1]!);
    // an anchor (`api: &api`) names the value, which follows as it would without it
    const value = (key[2] ?? '').replace(/^&\S+\s*/, '');
    if (/^[|>][-+0-9]*$/.test(value)) {
      // a block scalar: its lines are text, whatever they look like
      while (index < lines.length && (lines[index]!.text === '' || lines[index]!.indent > line.indent)) index++;
      continue;
    }
    if (name === 'ports') {
      const service = parents.at(-1)?.key;
      if (value.startsWith('[')) found.push(...flowEntries(value, line.number, service));
      else if (value === '') {
        const block = blockEntries(lines, index, line.indent, service);
        found.push(...block.found);
        index = block.next;
      }
      continue;
    }
    if (value === '') parents.push({ indent: line.indent, key: name });
  }
  return found;
}
