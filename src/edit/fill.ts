/** `fill`: write free ports into the registry's placeholder port cells (`xxxx`, `TBD`, empty), each cell once. */
import { placedEverywhere } from '../registry/environments.js';
import { environmentKey } from '../registry/names.js';
import type { Registry, Service } from '../registry/types.js';
import { joinLines, splitLines } from '../support/lines.js';
import { replaceCell } from './cells.js';

export interface Filled {
  service: string;
  /** Where the row counts: `all` for a row placed in every environment, else its environments' keys, comma-separated. */
  environment: string;
  port: number;
  line: number;
}

/** Placeholder port cells, in document order, each once (a row that counts in several environments is one cell). */
export function placeholders(registry: Registry): Service[] {
  const seen = new Set<string>();
  return registry.services.filter((service) => {
    const at = `${service.port.position.line}:${service.port.position.column}`;
    if (service.port.value.kind !== 'placeholder' || seen.has(at)) return false;
    seen.add(at);
    return true;
  });
}

/** Write `ports[i]` into the i-th placeholder cell. */
export function fillPlaceholders(text: string, registry: Registry, ports: readonly number[]): { text: string; filled: Filled[] } {
  const lines = splitLines(text);
  const targets = placeholders(registry);
  // a row extract placed in several environments is one copy per environment, all at the same cell
  const counted = new Map<string, string[]>();
  for (const service of registry.services) {
    const at = `${service.port.position.line}:${service.port.position.column}`;
    const environments = counted.get(at) ?? [];
    environments.push(environmentKey(service.environment.name));
    counted.set(at, environments);
  }
  const filled = targets.map((service, index) => {
    const port = ports[index]!;
    replaceCell(lines, service.port.position, service.port.text, String(port));
    const everywhere = service.placement !== undefined && placedEverywhere(service.placement.text);
    const environment = everywhere ? 'all' : counted.get(`${service.port.position.line}:${service.port.position.column}`)!.join(', ');
    return { service: service.name.value, environment, port, line: service.port.position.line };
  });
  return { text: joinLines(lines), filled };
}
