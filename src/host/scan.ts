/** The registry against the host: which registered ports listen, and which listeners in a reserved range no service registers. */
import { environmentKey } from '../registry/names.js';
import { inReservedRange, portNumber, registeredPorts } from '../registry/queries.js';
import type { EnvironmentName, Registry } from '../registry/types.js';
import type { ProcessInfo } from './listening.js';

export interface ScanEntry {
  port: number;
  /** `null` for a listening port in a reserved range that no service registers. */
  service: string | null;
  environment: string | null;
  listening: boolean;
  addresses: string[];
  /** The process listening there, when the machine lets portbook see it (see listening.ts). */
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
    entries.push({
      port,
      service: service.name.value,
      environment: key,
      listening: addresses.length > 0,
      addresses,
      process: addresses.length > 0 ? (processes.get(port) ?? null) : null,
    });
  }
  for (const [port, addresses] of [...listening].sort(([a], [b]) => a - b)) {
    if (registered.has(port) || !inReservedRange(registry, port)) continue;
    entries.push({ port, service: null, environment: null, listening: true, addresses, process: processes.get(port) ?? null });
  }
  return entries;
}

/** The ports `scan` reports on: registered ones and any listener inside a reserved range (whose process is worth naming). */
export function scannedPorts(registry: Registry, listening: ReadonlyMap<number, string[]>): Set<number> {
  const registered = registeredPorts(registry);
  return new Set([...listening.keys()].filter((port) => registered.has(port) || inReservedRange(registry, port)));
}

/** What `scan --strict` fails on: registered services that are not listening, listeners in a reserved range that no service registers. */
export function scanDrift(entries: readonly ScanEntry[]): { down: ScanEntry[]; unregistered: ScanEntry[] } {
  return {
    down: entries.filter((entry) => entry.service !== null && !entry.listening),
    unregistered: entries.filter((entry) => entry.service === null),
  };
}
