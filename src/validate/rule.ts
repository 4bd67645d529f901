/**
 * What a rule of the validate stage is and what rules share: the context a
 * check gets, how rules name a service, a place and an environment, and the
 * grouping and duplicate-finding most of them need.
 */
import { code } from '../diagnostics/report.js';
import type { RuleId } from '../diagnostics/rules.js';
import { environmentKey } from '../registry/names.js';
import type { Environment, ExternalAccess, Point, Registry, Service } from '../registry/types.js';

export interface RuleContext {
  registry: Registry;
  /** Configured unit names, service name → unit. */
  units: Readonly<Record<string, string>>;
  /** Variable names the config allows in an `Env` cell besides `…_PORT` (`variables.allow`). */
  variables: readonly string[];
  /** The kernel's ephemeral range the config assumes (`sysctl.ephemeralRange`), and whether the sysctl target reserves the ports in it. */
  ephemeral: { range: Readonly<{ from: number; to: number }>; reserved: boolean };
  /** The project's compose files (targets/compose.ts composeFileNames, at the project root), for compose-publishes-all-interfaces. */
  composeFiles: readonly ProjectFile[];
  report(message: string, place: Point): void;
}

/** A file of the project beside the registry that a rule reads: its name as messages show it, and its text. */
export interface ProjectFile {
  name: string;
  text: string;
}

/** A check of the validate stage. Its severity, summary and documentation are its catalogue entry (diagnostics/rules.ts). */
export interface Rule {
  id: RuleId;
  check(context: RuleContext): void;
}

export const label = (service: Service): string => code(service.name.value);
export const where = (environment: Environment): string => (environment.name ? `the ${environment.name} environment` : 'the default environment');
export const line = (point: Point): string => `line ${point.line}`;

/** Group by environment key, keeping document order. */
export function byEnvironment<T extends { environment: Environment }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = environmentKey(item.environment.name);
    const group = groups.get(key) ?? [];
    group.push(item);
    groups.set(key, group);
  }
  return groups;
}

/** Report every later item whose key repeats an earlier one in the same environment (or anywhere, with `across`). */
export function duplicates<T extends { environment: Environment }>(
  items: readonly T[],
  key: (item: T) => string | undefined,
  onDuplicate: (item: T, first: T, key: string) => void,
  across: 'environment' | 'all' = 'environment',
): void {
  const groups = across === 'all' ? [items] : byEnvironment(items).values();
  for (const group of groups) {
    const seen = new Map<string, T>();
    for (const item of group) {
      const value = key(item);
      if (value === undefined || value === '') continue;
      const first = seen.get(value);
      if (first) onDuplicate(item, first, value);
      else seen.set(value, item);
    }
  }
}

export const externalOwner = (access: ExternalAccess): string => code(access.domain.text);
