/**
 * One identifier function per output format. Every identifier portbook
 * writes is derived here from free text and reduced to that format's safe
 * alphabet, so a service name can never become a directive, a command or a path.
 */
import type { EnvironmentName, Service } from './registry.js';

/** Words of a name: markup is already gone; accents are folded, everything else splits. */
export function words(name: string): string[] {
  // ASCII has nothing to fold: skip NFKD and the mark pattern, most of this function's time
  const folded = /^[\x00-\x7f]*$/.test(name) ? name : name.normalize('NFKD').replace(/\p{M}+/gu, '');
  return folded.split(/[^A-Za-z0-9]+/).filter(Boolean);
}

/** `Creator Suite API` → `CREATOR_SUITE_API`; a leading digit gets a `_` prefix. Empty when the name has no letters or digits. */
export function screamingSnake(name: string): string {
  const joined = words(name).join('_').toUpperCase();
  return /^\d/.test(joined) ? `_${joined}` : joined;
}

/** `Creator Suite API` → `creator-suite-api` (systemd unit names, file names). */
export function kebab(name: string): string {
  return words(name).join('-').toLowerCase();
}

/** `Creator Suite API` → `creator_suite_api` (nginx upstream names). */
export function snake(name: string): string {
  return words(name).join('_').toLowerCase();
}

/** The environment variable for a service's port: its `Env` cell, or `NAME_PORT`. */
export function portVariable(service: Pick<Service, 'name' | 'variable'>): string {
  if (service.variable) return service.variable.value;
  const base = screamingSnake(service.name.value);
  if (base === '') return '';
  return base === 'PORT' || base.endsWith('_PORT') ? base : `${base}_PORT`;
}

/** `CREATOR_SUITE_API_PORT` → `CREATOR_SUITE_API`: the stem of a service's other variables. */
export function variableStem(service: Pick<Service, 'name' | 'variable'>): string {
  const variable = portVariable(service);
  return variable.replace(/_PORT$/, '') || variable;
}

/** The variables a service's details add: `<stem>_HOST` and `<stem>_HEALTH_PATH`, when known. */
export function detailVariables(service: Pick<Service, 'name' | 'variable' | 'details'>): string[] {
  const stem = variableStem(service);
  return [...(service.details?.bind ? [`${stem}_HOST`] : []), ...(service.details?.healthCheck ? [`${stem}_HEALTH_PATH`] : [])];
}

/** A valid environment variable / TS / Python constant name. */
export const variablePattern = /^[A-Z_][A-Z0-9_]*$/;

/** The nginx upstream for a service: environment-prefixed outside the default environment so files can be included together. */
export function upstreamName(service: Pick<Service, 'name' | 'environment'>): string {
  const base = snake(service.name.value);
  if (base === '') return '';
  const prefix = service.environment.name ? `${service.environment.name}_` : '';
  return /^\d/.test(base) && !prefix ? `_${base}` : `${prefix}${base}`;
}

/** A systemd unit name (without `.service`): the document's configuration-files list, else the config file, else kebab case of the name. */
/**
 * Whether `value` (without `.service`) is a unit name portbook writes as is:
 * letters, digits and `:_.-`, not starting with a dot, with at most one `@`
 * after the first character (a template, `worker@`, or an instance, `worker@1`).
 */
export function isUnitName(value: string): boolean {
  return /^[A-Za-z0-9:_-][A-Za-z0-9:_.-]*(@[A-Za-z0-9:_.-]*)?$/.test(value) && value.length <= 240;
}

export function unitName(service: Pick<Service, 'name' | 'unit'>, configured: Readonly<Record<string, string>>): string {
  if (service.unit && isUnitName(service.unit.value)) return service.unit.value;
  // own properties only: a service called `valueOf` must not find Object.prototype.valueOf
  return Object.hasOwn(configured, service.name.value) ? configured[service.name.value]! : kebab(service.name.value);
}

/** The key an environment has in `PORTS` objects and file names. */
export function environmentKey(name: EnvironmentName | null): string {
  return name ?? 'default';
}
