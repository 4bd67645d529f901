/** `next`: the next free port, from the registry's reserved ranges and what is listening here. */
import type { PathOptions } from '../config/load.js';
import { chooseRanges, freePorts, type PortRange } from '../edit/allocate.js';
import type { EnvironmentName } from '../registry/types.js';
import { loadRegistry } from './build.js';
import { unavailablePorts } from './registry-edit.js';

export interface NextOptions extends PathOptions {
  range?: string;
  /** Only echoed back: the port is free in every environment. */
  environment?: EnvironmentName | 'default';
}

export interface NextPort {
  port: number;
  /** The range the port is in. */
  range: PortRange;
  environment: EnvironmentName | 'default' | null;
  /** Why listening sockets were not checked, when they were not. */
  notes: string[];
}

export function next(options: NextOptions = {}): NextPort {
  const { registry } = loadRegistry(options);
  const ranges = chooseRanges(registry, options.range);
  const notes: string[] = [];
  const [port] = freePorts(ranges, unavailablePorts(registry, notes), 1) as [number];
  const range = ranges.find((each) => port >= each.from && port <= each.to)!;
  return { port, range, environment: options.environment ?? null, notes };
}
