/** `scan`: the registry against the TCP ports listening on this machine, with the process behind each listener where the OS shows it. */
import type { PathOptions } from '../config/load.js';
import { byPort, listeners, processesByPort } from '../host/listening.js';
import { scan as compare, type ScanEntry, scanDrift, scannedPorts } from '../host/scan.js';
import type { EnvironmentName } from '../registry/types.js';
import { loadRegistry } from './build.js';

export interface ScanOptions extends PathOptions {
  environment?: EnvironmentName | 'default';
}

export interface ScanResult {
  entries: ScanEntry[];
  /** Registered services (of the environment asked for) that are not listening. */
  down: ScanEntry[];
  /** Listeners in a reserved range that no service registers. */
  unregistered: ScanEntry[];
}

/** Fails (exit 2) where listening sockets cannot be read: scan is about them. */
export function scan(options: ScanOptions = {}): ScanResult {
  const { registry } = loadRegistry(options);
  const found = listeners();
  const listening = byPort(found);
  const entries = compare(registry, listening, options.environment, processesByPort(found, scannedPorts(registry, listening)));
  return { entries, ...scanDrift(entries) };
}
