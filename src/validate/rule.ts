/**
 * What a rule of the validate stage is and what rules share: the context a
 * check gets, how rules name a service, a place and an environment, and the
 * grouping and duplicate-finding most of them need.
 */
import { code } from '../diagnostics/report.js';
import type { RuleId } from '../diagnostics/rules.js';
import type { AddressFault } from '../registry/hosts.js';
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

/** Names of the invisible characters people paste into addresses. */
const invisibleNames: Readonly<Record<string, string>> = {
  '\u00ad': 'soft hyphen',
  '\u200b': 'zero-width space',
  '\u200c': 'zero-width non-joiner',
  '\u200d': 'zero-width joiner',
  '\u2060': 'word joiner',
  '\ufeff': 'zero-width no-break space',
};

/** `U+00AD (soft hyphen)`. */
function codePoint(character: string): string {
  const hex = character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  const name = invisibleNames[character];
  return `U+${hex}${name ? ` (${name})` : ''}`;
}

/**
 * The end of a message about an address cell that registry/hosts.ts
 * addressFault refuses: why nginx would not take it, and what to write
 * instead; `asWritten` puts a suggested host back into the cell's shape.
 */
export function addressAdvice(fault: AddressFault | undefined, asWritten: (host: string) => string): string {
  switch (fault?.kind) {
    case 'zone':
      return `: nginx takes no zone id (${code(fault.zone)}) in an IPv6 address; use an address without one, such as \`::1\` or a unique local \`fd00::1\``;
    case 'invisible':
      return `: it holds the invisible character ${codePoint(fault.character)}; remove it`;
    case 'compatibility':
      return `: it is written in full-width or other compatibility characters, which nginx does not read; did you mean ${code(asWritten(fault.ascii))}?`;
    case 'trailing-dot':
      return `: a name ending in a dot is looked up in DNS only, never in /etc/hosts, and nginx fails to start where no DNS server knows it; did you mean ${code(asWritten(fault.name))}?`;
    case 'international':
      return fault.ascii === undefined
        ? ': nginx connects to ASCII names and IP addresses only'
        : `: nginx connects to ASCII names only, and this one is not (an international name, or one that only looks like an ASCII one); if it is the host you mean, write its ASCII form ${code(asWritten(fault.ascii))}`;
    default:
      return '';
  }
}
