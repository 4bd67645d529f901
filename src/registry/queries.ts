/**
 * Questions about a registry that several stages ask the same way:
 * which port a row listens on, whether it uses SSL, which service a proxy
 * target points at. Pure functions of the registry, linear in its size.
 */
import { asciiHostname } from './hosts.js';
import { environmentKey } from './names.js';
import { protocolInfo } from './protocols.js';
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

/** Whether a service gets an nginx upstream: it speaks HTTP or WebSocket (or says no protocol). */
export function hasUpstream(service: Pick<Service, 'protocol'>): boolean {
  const protocol = protocolInfo(service.protocol?.value);
  return protocol.http && protocol.unknown.length === 0;
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
