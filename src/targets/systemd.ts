/**
 * systemd: a drop-in per service (`<unit>.service.d/portbook.conf`) that sets
 * its port variables with `Environment=`, so the unit file itself stays the
 * team's. Unit names come from the registry's configuration-files list, else
 * the config's `systemd.units`, else the service name in kebab case.
 */
import { kebab } from '../registry/names.js';
import type { Service } from '../registry/types.js';
import { hasLineBreaking } from './comments.js';
import type { Target } from './target.js';

/**
 * Whether `value` (without `.service`) is a unit name portbook writes as is:
 * letters, digits and `:_.-`, not starting with a dot, with at most one `@`
 * after the first character (a template, `worker@`, or an instance, `worker@1`).
 */
export function isUnitName(value: string): boolean {
  return /^[A-Za-z0-9:_-][A-Za-z0-9:_.-]*(@[A-Za-z0-9:_.-]*)?$/.test(value) && value.length <= 240;
}

/** `/etc/systemd/system/creator-suite-api.service` → `creator-suite-api`: the unit a path names (checked with isUnitName by its users). */
export function unitFromPath(file: string): string {
  return (file.split('/').at(-1) ?? file).replace(/\.service$/, '');
}

/** A service's unit name (without `.service`): the registry's configuration-files list, else the config file, else kebab case of the name. */
export function unitName(service: Pick<Service, 'name' | 'unitFile'>, configured: Readonly<Record<string, string>>): string {
  const listed = service.unitFile ? unitFromPath(service.unitFile.value) : undefined;
  if (listed !== undefined && isUnitName(listed)) return listed;
  // own properties only: a service called `valueOf` must not find Object.prototype.valueOf
  return Object.hasOwn(configured, service.name.value) ? configured[service.name.value]! : kebab(service.name.value);
}

/** A quoted systemd `Environment=` assignment, `"KEY=value"`, with `%` specifiers escaped. */
export function systemdAssignment(name: unknown, value: unknown): string {
  const key = String(name);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`systemdAssignment: refusing variable name ${JSON.stringify(key)}`);
  const text = String(value);
  if (hasLineBreaking.test(text)) {
    throw new Error(`systemdAssignment: refusing ${JSON.stringify(text)}: control characters cannot be quoted for systemd`);
  }
  return `"${key}=${text.replace(/[\\"]/g, '\\$&').replace(/%/g, '%%')}"`;
}

export const systemd: Target<'systemd'> = {
  id: 'systemd',
  summary:
    '`[Service]` with `Environment=` for the port variable, `PORT`, `HOST` and `WEB_CONCURRENCY` (and `UVICORN_*`); unit names are the service name in kebab case unless configured',
  paths: '`systemd/<unit>.service.d/portbook.conf`, `systemd/<environment>/<unit>.service.d/portbook.conf`',
  byDefault: true,
  template: 'systemd.conf.hbs',
  comment: '#',
  helpers: { systemdAssignment },
  outputs: ({ model }) =>
    model.environments.flatMap((environment) =>
      environment.services.map((service) => ({
        path: `systemd/${environment.isDefault ? '' : `${environment.key}/`}${service.unit}.service.d/portbook.conf`,
        context: { ...model, environment, service },
      })),
    ),
};
