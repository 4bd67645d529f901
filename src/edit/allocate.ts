/**
 * Choosing ports: the next free ones inside a reserved range (`next`, and the
 * ports `fill` and `add` write), never privileged, registered, listening, or
 * the common default of other software.
 */
import { portsOf } from '../registry/queries.js';
import type { Registry } from '../registry/types.js';
import { PortbookError } from '../support/errors.js';

/** Defaults of widely used software: a new service should not collide with a developer's local database. */
export const commonPorts: ReadonlySet<number> = new Set([
  80, 443, 1433, 1521, 2181, 2375, 2376, 3000, 3001, 3306, 4200, 5000, 5001, 5173, 5432, 5601, 5672, 5984, 6379, 6443, 7001, 8000, 8008, 8080, 8081, 8086, 8443,
  8761, 8888, 9000, 9090, 9092, 9200, 9229, 9300, 11211, 15672, 27017,
]);

/** Used when the registry declares no reserved range. */
export const defaultRange = { name: 'default range', from: 16000, to: 16999 } as const;

export interface PortRange {
  name: string;
  from: number;
  to: number;
}

/**
 * The ranges to pick from: every range of the name asked for (case-insensitive,
 * or a unique prefix; one list item may hold several), else the first declared,
 * else the default. A range that is not one is refused, never skipped.
 */
export function chooseRanges(registry: Registry, name?: string): PortRange[] {
  const declared = registry.reservedRanges.map((range) => ({ name: range.name.value, text: range.range.text, ports: portsOf(range) }));
  // picking from another range than the one asked for (or the first declared) would hide the mistake
  const usable = (found: (typeof declared)[number]): PortRange => {
    if (!found.ports)
      throw new PortbookError(
        `The reserved range ${JSON.stringify(found.name)} is ${JSON.stringify(found.text)}, not a range of ports (gen reports it: range-invalid): fix it first`,
        1,
      );
    return { name: found.name, ...found.ports };
  };
  if (name === undefined) return declared[0] ? [usable(declared[0])] : [{ ...defaultRange }];
  const wanted = name.toLowerCase();
  const names = [...new Set(declared.map((range) => range.name))];
  const exact = names.find((each) => each.toLowerCase() === wanted);
  const prefixed = names.filter((each) => each.toLowerCase().startsWith(wanted));
  const chosen = exact ?? (prefixed.length === 1 ? prefixed[0] : undefined);
  if (chosen === undefined) {
    throw new PortbookError(
      declared.length === 0
        ? `No reserved range named ${JSON.stringify(name)}: the registry declares none`
        : `No reserved range named ${JSON.stringify(name)}; declared: ${names.join(', ')}`,
    );
  }
  return declared.filter((range) => range.name === chosen).map(usable);
}

/** Ports below this need root to bind (gen warns about them: port-privileged), so they are never handed out. */
export const firstUnprivilegedPort = 1024;

/** `16000-16099` or `16000-16099, 17000-17099` (the name once). */
export function describeRanges(ranges: readonly PortRange[]): string {
  return `${ranges[0]?.name ?? 'no range'} (${ranges.map((range) => `${range.from}-${range.to}`).join(', ')})`;
}

/** Free ports in `ranges`, in order, lowest first: not privileged, not registered, not a common default, not listening, not in `unavailable`. */
export function freePorts(ranges: readonly PortRange[], unavailable: ReadonlySet<number>, count: number): number[] {
  const found: number[] = [];
  for (const range of ranges) {
    for (let port = Math.max(range.from, firstUnprivilegedPort); port <= range.to && found.length < count; port++) {
      if (!unavailable.has(port) && !commonPorts.has(port) && !found.includes(port)) found.push(port);
    }
  }
  if (found.length < count) {
    const inRanges = (port: number): boolean => ranges.some((range) => port >= range.from && port <= range.to);
    const skipped = [...commonPorts].filter((port) => inRanges(port) && !unavailable.has(port));
    const privileged = ranges.some((range) => range.from < firstUnprivilegedPort) ? ` (ports below ${firstUnprivilegedPort} need root, so none is chosen)` : '';
    const common =
      skipped.length > 0
        ? ` (${skipped.join(', ')} ${skipped.length === 1 ? 'is a common default' : 'are common defaults'} of other software, so ${skipped.length === 1 ? 'it is' : 'they are'} skipped)`
        : '';
    throw new PortbookError(
      `No free port left in ${describeRanges(ranges)}${count > 1 ? ` for ${count} services` : ''}${privileged}${common}: widen the range or declare another`,
      1,
    );
  }
  return found;
}
