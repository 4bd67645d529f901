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
  const byEnvironmentPort = new Map<string, Service>();
  const byPort = new Map<number, Service>();
  for (const service of registry.services) {
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

/**
 * The ports the front proxy listens on, nginx and Caddy alike, in one
 * environment (`default`, `production`…) or in all: each served row's own
 * port, and 80 when a row gets the redirect to HTTPS (redirectingRows).
 */
export function siteListenPorts(registry: Registry, environment?: string): Set<number> {
  const served = servedAccess(registry).filter((access) => environment === undefined || environmentKey(access.environment.name) === environment);
  const ports = new Set(served.filter((access) => asciiHostname(access.domain.value) !== undefined).map(listenPort));
  if (redirectingRows(served).size > 0) ports.add(80);
  return ports;
}
