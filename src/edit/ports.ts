/**
 * Choosing ports: the next free one inside a reserved range, and the
 * comparison of the registry with what is listening (`scan`).
 */
import { PortbookError } from '../support/errors.js';
import { environmentKey } from '../registry/names.js';
import { portNumber } from '../registry/queries.js';
import type { EnvironmentName, Registry } from '../registry/types.js';
import type { ProcessInfo } from '../host/listening.js';

/** Defaults of widely used software: a new service should not collide with a developer's local database. */
export const commonPorts: ReadonlySet<number> = new Set([
  80, 443, 1433, 1521, 2181, 2375, 2376, 3000, 3001, 3306, 4200, 5000, 5001, 5173, 5432, 5601, 5672, 5984, 6379, 6443, 7001, 8000,
  8008, 8080, 8081, 8086, 8443, 8761, 8888, 9000, 9090, 9092, 9200, 9229, 9300, 11211, 15672, 27017,
]);

/** Used when the registry declares no reserved range. */
export const defaultRange = { name: 'default range', from: 16000, to: 16999 } as const;

export interface PortRange {
  name: string;
  from: number;
  to: number;
}

/** The range to pick from: the one named (case-insensitive, or a unique prefix), else the first declared, else the default. */
export function chooseRange(registry: Registry, name?: string): PortRange {
  const ranges = registry.reservedRanges.map((range) => {
    const value = range.range.value;
    const valid = value !== undefined && value.from >= 1 && value.from <= value.to && value.to <= 65535;
    return { name: range.name.value, text: range.range.text, range: valid ? { name: range.name.value, ...value } : undefined };
  });
  const usable = (found: (typeof ranges)[number]): PortRange => {
    // picking from another range than the one asked for (or the first declared) would hide the mistake
    if (!found.range) throw new PortbookError(`The reserved range ${JSON.stringify(found.name)} is ${JSON.stringify(found.text)}, not a range of ports (gen reports it: range-invalid): fix it first`, 1);
    return found.range;
  };
  if (name === undefined) return ranges[0] ? usable(ranges[0]) : { ...defaultRange };
  const wanted = name.toLowerCase();
  const exact = ranges.find((range) => range.name.toLowerCase() === wanted);
  const prefixed = ranges.filter((range) => range.name.toLowerCase().startsWith(wanted));
  const found = exact ?? (prefixed.length === 1 ? prefixed[0] : undefined);
  if (!found) {
    throw new PortbookError(
      ranges.length === 0
        ? `No reserved range named ${JSON.stringify(name)}: the registry declares none`
        : `No reserved range named ${JSON.stringify(name)}; declared: ${ranges.map((range) => range.name).join(', ')}`,
    );
  }
  return usable(found);
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

/** Ports below this need root to bind (gen warns about them: port-privileged), so they are never handed out. */
export const firstUnprivilegedPort = 1024;

/** Free ports in `range`, lowest first: not privileged, not registered, not a common default, not listening, not in `unavailable`. */
export function freePorts(range: PortRange, unavailable: ReadonlySet<number>, count: number): number[] {
  const found: number[] = [];
  for (let port = Math.max(range.from, firstUnprivilegedPort); port <= range.to && found.length < count; port++) {
    if (!unavailable.has(port) && !commonPorts.has(port)) found.push(port);
  }
  if (found.length < count) {
    const skipped = [...commonPorts].filter((port) => port >= range.from && port <= range.to && !unavailable.has(port));
    const privileged = range.from < firstUnprivilegedPort ? ` (ports below ${firstUnprivilegedPort} need root, so none is chosen)` : '';
    const common = skipped.length > 0 ? ` (${skipped.join(', ')} ${skipped.length === 1 ? 'is a common default' : 'are common defaults'} of other software, so ${skipped.length === 1 ? 'it is' : 'they are'} skipped)` : '';
    throw new PortbookError(
      `No free port left in ${range.name} (${range.from}-${range.to})${count > 1 ? ` for ${count} services` : ''}${privileged}${common}: widen the range or declare another`,
      1,
    );
  }
  return found;
}

export interface ScanEntry {
  port: number;
  /** `null` for a listening port in a reserved range that no service registers. */
  service: string | null;
  environment: string | null;
  listening: boolean;
  addresses: string[];
  /** The process listening there, when the machine lets portbook see it (see scan.ts). */
  process: ProcessInfo | null;
}

/**
 * Registered ports with whether they listen, then unregistered listeners
 * inside reserved ranges; `processes` names who listens on a port.
 */
export function scan(
  registry: Registry,
  listening: ReadonlyMap<number, string[]>,
  environment?: EnvironmentName | 'default',
  processes: ReadonlyMap<number, ProcessInfo> = new Map(),
): ScanEntry[] {
  const entries: ScanEntry[] = [];
  const registered = registeredPorts(registry);
  for (const service of registry.services) {
    const port = portNumber(service.port);
    const key = environmentKey(service.environment.name);
    if (port === undefined || (environment !== undefined && key !== environment)) continue;
    const addresses = listening.get(port) ?? [];
    entries.push({ port, service: service.name.value, environment: key, listening: addresses.length > 0, addresses, process: addresses.length > 0 ? (processes.get(port) ?? null) : null });
  }
  const ranges = registry.reservedRanges.flatMap((range) => (range.range.value ? [range.range.value] : []));
  for (const [port, addresses] of [...listening].sort(([a], [b]) => a - b)) {
    if (registered.has(port) || !ranges.some((range) => port >= range.from && port <= range.to)) continue;
    entries.push({ port, service: null, environment: null, listening: true, addresses, process: processes.get(port) ?? null });
  }
  return entries;
}

/** The ports `scan` reports on: registered ones and any listener inside a reserved range (whose process is worth naming). */
export function scannedPorts(registry: Registry, listening: ReadonlyMap<number, string[]>): Set<number> {
  const ranges = registry.reservedRanges.flatMap((range) => (range.range.value ? [range.range.value] : []));
  const registered = registeredPorts(registry);
  return new Set([...listening.keys()].filter((port) => registered.has(port) || ranges.some((range) => port >= range.from && port <= range.to)));
}

/** What `scan --strict` fails on: registered services that are not listening, listeners in a reserved range that no service registers. */
export function scanDrift(entries: readonly ScanEntry[]): { down: ScanEntry[]; unregistered: ScanEntry[] } {
  return {
    down: entries.filter((entry) => entry.service !== null && !entry.listening),
    unregistered: entries.filter((entry) => entry.service === null),
  };
}
