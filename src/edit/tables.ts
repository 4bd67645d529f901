/** Which service tables a registry has, by environment: where `add` puts a row. */
import { environmentKey } from '../registry/names.js';
import type { Registry, Service, ServiceTable } from '../registry/types.js';

/** The environment a row's table stands under (its heading's), whatever the row's Environment cell says. */
export const tableKey = (row: Service): string => environmentKey(row.tableEnvironment === undefined ? row.environment.name : row.tableEnvironment);

/** The line of the last row of a row's table. */
export const tableEndOf = (row: Service): number => row.tableEnd ?? row.position.line;

/** Environments that have a table of their own (by heading), then those that only have rows placed in them by an Environment cell. */
export function tableEnvironments(registry: Registry): string[] {
  return [
    ...new Set([
      ...(registry.serviceTables ?? []).map((table) => environmentKey(table.environment)),
      ...registry.services.map(tableKey),
      ...registry.services.map((row) => environmentKey(row.environment.name)),
    ]),
  ];
}

/**
 * Whether the default environment has a table of its own: a row in it by its
 * table's heading (one that names no environment) or by a `default` cell, or a
 * table under such a heading with no rows yet; not rows that only say `all`
 * under another environment's heading.
 */
export function hasDefaultTable(registry: Registry): boolean {
  const inDefault = (row: Service): boolean => row.environment.name === null && (row.tableEnvironment == null || /^default$/i.test(row.placement?.text ?? ''));
  const rowless = (table: ServiceTable): boolean => !registry.services.some((row) => row.tableEnd === table.end);
  return registry.services.some(inDefault) || (registry.serviceTables ?? []).some((table) => table.environment === null && rowless(table));
}
