/**
 * Questions about a registry that several stages ask the same way:
 * which port a row listens on, whether it uses SSL, which service a proxy
 * target points at. Pure functions of the registry, linear in its size.
 */
import { asciiHostname } from './hosts.js';
import { environmentKey } from './names.js';
import { meansDefaultProtocol, type ProtocolInfo, protocolInfo, type Recognised, recogniseService } from './protocols.js';
import type { ExternalAccess, Field, PortCell, Registry, ReservedRange, Service } from './types.js';

export function portNumber(port: Field<PortCell> | undefined): number | undefined {
  return port?.value.kind === 'number' ? port.value.port : undefined;
}

/** The port a row listens on: its Port cell, else 443 with SSL and 80 without. */
export function listenPort(access: ExternalAccess): number {
  return portNumber(access.port) ?? (usesSsl(access) ? 443 : 80);
}

/** SSL from the SSL cell, else from the scheme, else from the port (443). */
export function usesSsl(access: ExternalAccess): boolean {
  if (access.ssl?.value !== undefined) return access.ssl.value;
  if (access.scheme) return access.scheme === 'https';
  return portNumber(access.port) === 443;
}

/**
 * Index the services by port once; the returned function finds the service a
 * proxy target points at: the first in the row's environment, else the first in any.
 */
export function targetIndex(registry: Registry): (access: ExternalAccess) => Service | undefined {
  // every rule and target that follows proxy targets asks: one index per list of services
  let index = targetIndexes.get(registry.services);
  if (index === undefined) {
    index = indexTargets(registry.services);
    targetIndexes.set(registry.services, index);
  }
  return index;
}

/** The indexes made in this run, by the list of services they index (a registry's list is made once, by extract, and never changed). */
const targetIndexes = new WeakMap<readonly Service[], (access: ExternalAccess) => Service | undefined>();

function indexTargets(services: readonly Service[]): (access: ExternalAccess) => Service | undefined {
  const byEnvironmentPort = new Map<string, Service>();
  const byPort = new Map<number, Service>();
  for (const service of services) {
    const port = portNumber(service.port);
    if (port === undefined) continue;
    const key = `${environmentKey(service.environment.name)} ${port}`;
    if (!byEnvironmentPort.has(key)) byEnvironmentPort.set(key, service);
    if (!byPort.has(port)) byPort.set(port, service);
  }
  return (access) => {
    const port = access.target?.value?.port;
    if (port === undefined) return undefined;
    return byEnvironmentPort.get(`${environmentKey(access.environment.name)} ${port}`) ?? byPort.get(port);
  };
}

/** How portbook reads what a service speaks: the one answer the rules, the model and `add` share. */
export interface ServiceProtocol {
  /** Its Protocol cell, else what its name or port says, else `undefined` (HTTP). */
  protocol: string | undefined;
  info: ProtocolInfo;
  /**
   * `undefined` when its Protocol cell says; without one, what the name or
   * port said (recogniseService), or `'http'` when they said nothing and HTTP
   * is assumed.
   */
  assumed: Recognised | 'http' | undefined;
}

/** A service's protocol: its Protocol cell; without one (no column, or an empty cell), what its name or default port says; failing that, HTTP. */
export function serviceProtocol(service: Pick<Service, 'name' | 'port' | 'protocol'>): ServiceProtocol {
  if (service.protocol && service.protocol.value.trim() !== '') {
    return { protocol: service.protocol.value, info: protocolInfo(service.protocol.value), assumed: undefined };
  }
  const recognised = recogniseService(service.name.value, portNumber(service.port));
  if (recognised) return { protocol: recognised.protocol, info: protocolInfo(recognised.protocol), assumed: recognised };
  return { protocol: undefined, info: protocolInfo(undefined), assumed: 'http' };
}

/**
 * Whether a row without a Protocol cell says nothing aloud: its name or port
 * read as plain HTTP (an API, a web front end). Every other row without one is
 * reported (protocol-assumed), so `add` writes the cell for it.
 */
export function readsAsPlainHttp(name: string, port: number | undefined): boolean {
  const recognised = recogniseService(name, port);
  return recognised !== undefined && meansDefaultProtocol(recognised.protocol);
}

/** Whether a service gets an nginx upstream: it speaks HTTP or WebSocket (declared, or read from its name or port). */
export function hasUpstream(service: Pick<Service, 'name' | 'port' | 'protocol'>): boolean {
  const { info } = serviceProtocol(service);
  return info.http && info.unknown.length === 0;
}

/**
 * Whether nginx may proxy a domain to a service over HTTP: it speaks HTTP, or
 * a protocol portbook does not know (proxied as written; protocol-unknown
 * says so). A service known to speak something else (PostgreSQL, Redis,
 * declared or read from its name) gets no server block.
 */
export function proxiedOverHttp(service: Pick<Service, 'name' | 'port' | 'protocol'>): boolean {
  const { info } = serviceProtocol(service);
  return info.http || info.unknown.length > 0;
}

/** The external-access rows nginx gets a server block for: those whose target is a service it may proxy over HTTP (proxy-target-not-http reports the others). */
export function servedAccess(registry: Registry): ExternalAccess[] {
  const serviceFor = targetIndex(registry);
  return registry.externalAccess.filter((access) => {
    const service = serviceFor(access);
    return service === undefined || proxiedOverHttp(service);
  });
}

/** A reserved range's ports when it is one (1 ≤ from ≤ to ≤ 65535), else `undefined`: the one test of a range every stage uses. */
export function portsOf(range: Pick<ReservedRange, 'range'>): { from: number; to: number } | undefined {
  const value = range.range.value;
  return value !== undefined && value.from >= 1 && value.from <= value.to && value.to <= 65535 ? value : undefined;
}

/** Whether `port` lies in one of the registry's (valid) reserved ranges. */
export function inReservedRange(registry: Pick<Registry, 'reservedRanges'>, port: number): boolean {
  return registry.reservedRanges.some((range) => {
    const ports = portsOf(range);
    return ports !== undefined && port >= ports.from && port <= ports.to;
  });
}

/**
 * Linux's default ephemeral port range (`net.ipv4.ip_local_port_range`), from
 * which the kernel takes the local port of an outgoing connection. portbook
 * never reads the host's own: outputs are the same on every machine, and
 * `sysctl.ephemeralRange` in the config says when a host differs.
 */
export const linuxEphemeralRange: Readonly<{ from: number; to: number }> = { from: 32768, to: 60999 };

/** Every port the registry uses, in any environment (services and proxy targets). */
export function registeredPorts(registry: Registry): Set<number> {
  const ports = new Set<number>();
  for (const service of registry.services) {
    const port = portNumber(service.port);
    if (port !== undefined) ports.add(port);
  }
  for (const access of registry.externalAccess) {
    const target = access.target?.value?.port;
    if (target !== undefined) ports.add(target);
  }
  return ports;
}

/** Ports registered in one environment (`default`, `production`…). */
export function portsIn(registry: Registry, key: string): Set<number> {
  const ports = new Set<number>();
  for (const service of registry.services) {
    const port = portNumber(service.port);
    if (port !== undefined && environmentKey(service.environment.name) === key) ports.add(port);
  }
  return ports;
}

/**
 * The rows that get nginx's port-80 redirect to HTTPS: per environment and
 * domain, one row served with SSL off port 80 (its port-443 row, else its
 * first), and none where the environment serves the domain on port 80
 * itself. The one answer the nginx target renders and the rules check.
 */
export function redirectingRows(accesses: readonly ExternalAccess[]): Set<ExternalAccess> {
  const on80 = new Set<string>();
  const chosen = new Map<string, ExternalAccess>();
  for (const access of accesses) {
    const host = asciiHostname(access.domain.value);
    if (host === undefined) continue;
    const key = `${environmentKey(access.environment.name)} ${host}`;
    const port = listenPort(access);
    if (port === 80) on80.add(key);
    else if (usesSsl(access)) {
      const current = chosen.get(key);
      if (!current || (port === 443 && listenPort(current) !== 443)) chosen.set(key, access);
    }
  }
  return new Set([...chosen].filter(([key]) => !on80.has(key)).map(([, access]) => access));
}

/** What a firewall opens or closes a port for. */
export type Transport = 'tcp' | 'udp';

/**
 * The transports of a service's port: `udp` when its Protocol cell names UDP,
 * both for `TCP/UDP`, else `tcp` (every protocol portbook knows besides UDP
 * runs over TCP, and so does a row without a Protocol cell).
 */
export function transportsOf(service: Pick<Service, 'protocol'>): Transport[] {
  const parts = (service.protocol?.value ?? '').toLowerCase().split(/[^a-z0-9]+/);
  if (!parts.includes('udp')) return ['tcp'];
  return parts.some((part) => part !== '' && part !== 'udp') ? ['tcp', 'udp'] : ['udp'];
}

/** Why a port is in the public port set: one row of the registry. */
export type PublicReason =
  /** A domain's server listens on the port (nginx's `listen`, Caddy's site address): the row's listenPort. */
  | { kind: 'site'; domain: string; service: string | undefined; environment: string }
  /** The port-80 server that redirects an SSL domain to https (redirectingRows). */
  | { kind: 'redirect'; domain: string; environment: string }
  /** A service row whose Exposure cell says `public`: its own port. */
  | { kind: 'service'; service: string; environment: string };

/** One port of the public port set. */
export interface PublicPort {
  port: number;
  transport: Transport;
  /** The rows that make it public, in registry order (sites, then redirects, then services): at least one. */
  reasons: PublicReason[];
}

/**
 * The public port set: every port the registry says is reached from outside
 * the host, in one environment (its key, `default`, `production`…, as
 * environmentKey gives it) or, without one, in all of them. The one answer
 * every target that opens, listens on or monitors public ports shares
 * (nftables, ufw, nginx's and Caddy's listen ports), so they cannot disagree:
 *
 * - `site`: for each external-access row nginx serves (servedAccess: its
 *   target is a service proxied over HTTP, or unknown) with a domain that is
 *   one (asciiHostname), its listen port (listenPort: the Port cell, else 443
 *   with SSL and 80 without), TCP;
 * - `redirect`: port 80, TCP, for each row that gets the port-80 redirect to
 *   https (redirectingRows of those rows: one per environment and domain
 *   served with SSL off port 80, none where the domain is served on 80);
 * - `service`: for each service row whose Exposure cell says `public` (the
 *   `Exposure` column: `public` or `internal`), its port, over the transports
 *   of its Protocol cell (transportsOf: UDP only when it says so).
 *
 * Rows whose port is not a number in 1–65535 are left out (the port rules
 * report them). Sorted by port, TCP before UDP; each port and transport once,
 * with every row that makes it public. Pure and linear in the registry's size.
 */
export function publicPorts(registry: Registry, environment?: string): PublicPort[] {
  const inEnvironment = (row: { environment: { name: Service['environment']['name'] } }): boolean =>
    environment === undefined || environmentKey(row.environment.name) === environment;
  const found = new Map<string, PublicPort>();
  const add = (port: number, transport: Transport, reason: PublicReason): void => {
    if (!Number.isInteger(port) || port < 1 || port > 65535) return;
    const key = `${port}/${transport}`;
    const entry = found.get(key) ?? { port, transport, reasons: [] };
    entry.reasons.push(reason);
    found.set(key, entry);
  };
  const serviceFor = targetIndex(registry);
  const served = servedAccess(registry).filter(inEnvironment);
  for (const access of served) {
    const domain = asciiHostname(access.domain.value);
    if (domain === undefined) continue;
    const service = serviceFor(access)?.name.value;
    add(listenPort(access), 'tcp', { kind: 'site', domain, service, environment: environmentKey(access.environment.name) });
  }
  for (const access of redirectingRows(served)) {
    add(80, 'tcp', { kind: 'redirect', domain: asciiHostname(access.domain.value)!, environment: environmentKey(access.environment.name) });
  }
  for (const service of registry.services) {
    const port = portNumber(service.port);
    if (port === undefined || service.exposure?.value !== 'public' || !inEnvironment(service)) continue;
    for (const transport of transportsOf(service)) {
      add(port, transport, { kind: 'service', service: service.name.value, environment: environmentKey(service.environment.name) });
    }
  }
  return [...found.values()].sort((a, b) => a.port - b.port || (a.transport < b.transport ? -1 : a.transport > b.transport ? 1 : 0));
}

/**
 * The ports the front proxy listens on, nginx and Caddy alike, in one
 * environment (`default`, `production`…) or in all: the public port set's
 * sites and redirects (publicPorts), without the services marked public.
 */
export function siteListenPorts(registry: Registry, environment?: string): Set<number> {
  return new Set(
    publicPorts(registry, environment)
      .filter((entry) => entry.transport === 'tcp' && entry.reasons.some((reason) => reason.kind !== 'service'))
      .map((entry) => entry.port),
  );
}
