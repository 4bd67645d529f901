/** Rules about the names portbook derives: variables, nginx upstreams, systemd units, and protocols. */
import { code } from '../../diagnostics/report.js';
import { environmentNamed } from '../../registry/environments.js';
import { detailVariables, isPortVariable, maxIdentifierLength, portVariable, systemVariableFamily, variablePattern } from '../../registry/names.js';
import { protocolInfo } from '../../registry/protocols.js';
import { hasUpstream } from '../../registry/queries.js';
import type { Service } from '../../registry/types.js';
import { upstreamName } from '../../targets/nginx.js';
import { isUnitName, unitFromPath, unitName } from '../../targets/systemd.js';
import type { Rule } from '../rule.js';
import { byEnvironment, duplicates, label, line, where } from '../rule.js';

/** Names the generated settings use themselves. */
const reservedVariables = new Map<string, string>([['PORTS', "the object of every environment's ports in settings.ts and settings.py"]]);

export const namesRules: readonly Rule[] = [
  {
    id: 'variable-invalid',
    check(context) {
      for (const service of context.registry.services) {
        const variable = service.variable;
        if (!variable) continue;
        if (reservedVariables.has(variable.value)) {
          context.report(
            `Unexpected variable name ${code(variable.text)} for ${label(service)}: it is reserved for ${reservedVariables.get(variable.value)}; choose another name`,
            variable.position,
          );
          continue;
        }
        const family = isPortVariable(variable.value) ? undefined : systemVariableFamily(variable.value);
        if (family !== undefined) {
          context.report(
            `Unexpected variable name ${code(variable.text)} for ${label(service)}: ${family} read it, so setting it from a port table would change how programs run (even the config cannot allow it); name the port \`…_PORT\``,
            variable.position,
          );
          continue;
        }
        if (environmentNamed(variable.value) && !variablePattern.test(variable.value)) {
          context.report(
            `Unexpected variable name ${code(variable.text)} for ${label(service)}: it looks like an environment; rename the column header to \`Environment\` (\`Env\` names variables)`,
            variable.position,
          );
          continue;
        }
        if (variablePattern.test(variable.value) && !isPortVariable(variable.value) && !context.variables.includes(variable.value)) {
          context.report(
            `Unexpected variable name ${code(variable.text)} for ${label(service)}, expected a port variable ending in \`_PORT\` (as portbook derives them), e.g. ${code(`${variable.value}_PORT`)}: a name of another shape needs \`variables.allow\` in the config`,
            variable.position,
          );
          continue;
        }
        if (variablePattern.test(variable.value)) continue;
        context.report(
          `Unexpected variable name ${code(variable.text)} for ${label(service)}, expected upper-case letters, digits and \`_\` not starting with a digit, e.g. \`API_PORT\``,
          variable.position,
        );
      }
    },
  },
  {
    id: 'variable-duplicate',
    check(context) {
      const usable = (service: Service): boolean =>
        !service.variable ||
        (variablePattern.test(service.variable.value) && !reservedVariables.has(service.variable.value) && !systemVariableFamily(service.variable.value));
      duplicates(
        context.registry.services,
        (service) => (usable(service) ? portVariable(service) : undefined),
        (service, first, variable) =>
          context.report(
            `Variable ${code(variable)} of ${label(service)} is already taken by ${label(first)} (${line(first.position)}) in ${where(service.environment)}: ${service.variable ? 'change one of the `Env` cells' : 'rename one of them'}`,
            (service.variable ?? service.name).position,
          ),
      );
      // the variables details add must not meet any other variable of the environment
      for (const group of byEnvironment(context.registry.services).values()) {
        const owners = new Map<string, Service>();
        for (const service of group) if (usable(service)) owners.set(portVariable(service), service);
        for (const service of group) {
          if (!usable(service)) continue;
          for (const variable of detailVariables(service)) {
            const first = owners.get(variable);
            if (first && first !== service) {
              context.report(
                `Variable ${code(variable)} that the details of ${label(service)} add is already taken by ${label(first)} (${line(first.position)}) in ${where(service.environment)}: change its \`Env\` cell or rename one of them`,
                service.name.position,
              );
            } else owners.set(variable, service);
          }
        }
      }
    },
  },
  {
    id: 'identifier-duplicate',
    check(context) {
      const names = [
        { what: 'nginx upstream', of: (service: Service) => (hasUpstream(service) ? upstreamName(service) : undefined), across: 'all' as const },
        { what: 'systemd unit', of: (service: Service) => unitName(service, context.units), across: 'environment' as const },
      ];
      for (const { what, of, across } of names) {
        duplicates(
          context.registry.services,
          of,
          (service, first, name) => {
            // the same name twice, or names that derive the same variable: variable-duplicate says it
            const sameEnvironment = service.environment.name === first.environment.name;
            if (sameEnvironment && !service.variable && !first.variable && portVariable(service) === portVariable(first)) return;
            context.report(
              `Service ${label(service)} would get the ${what} name ${code(name)} already derived for ${label(first)} (${line(first.position)}${sameEnvironment ? '' : `, ${where(first.environment)}`}): rename one of them`,
              service.name.position,
            );
          },
          across,
        );
      }
    },
  },
  {
    id: 'name-too-long',
    check(context) {
      for (const service of context.registry.services) {
        // an Env cell is the variable itself: said at the cell
        const variable = service.variable;
        if (variable && variable.value.length > maxIdentifierLength) {
          context.report(
            `Unexpected variable name of ${variable.value.length} characters ${code(shortened(variable.value))} for ${label(service)}, expected at most ${maxIdentifierLength}: shorten it`,
            variable.position,
          );
        }
        const long = derivedIdentifiers(service, context.units).filter(({ name }) => name.length > maxIdentifierLength);
        if (long.length === 0) continue;
        const what = long.map(({ what, name }) => `the ${what} ${code(shortened(name))} (${name.length} characters)`);
        // a unit and a variable can be named apart from the service; an upstream cannot
        const overrides = long.every(({ override }) => override !== undefined) ? `, or ${joined(long.map(({ override }) => override!))}` : '';
        context.report(
          `Unexpected service name ${code(shortened(service.name.value))} of ${Array.from(service.name.value).length} characters, which would give ${joined(what)}, expected at most ${maxIdentifierLength} characters ` +
            `(a unit's drop-in directory must fit the 255 bytes of a file name): shorten the name${overrides}`,
          service.name.position,
        );
      }
    },
  },
  {
    id: 'protocol-unknown',
    check(context) {
      for (const service of context.registry.services) {
        const unknown = protocolInfo(service.protocol?.value).unknown;
        if (unknown.length === 0) continue;
        context.report(
          `Unknown protocol ${code(service.protocol!.text)} for ${label(service)}, expected e.g. HTTP, WS, TCP, PostgreSQL: it is not proxied by nginx`,
          service.protocol!.position,
        );
      }
    },
  },
];

/** A long value as a message shows it: its first 40 characters and `…`. */
function shortened(value: string): string {
  return value.length <= 40 ? value : `${Array.from(value).slice(0, 40).join('')}…`;
}

/** `a`, `a and b`, `a, b and c`. */
function joined(parts: readonly string[]): string {
  return parts.length < 2 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/**
 * The identifiers derived from a service's name (not those a cell or the
 * config gives it, which are checked where they are written), and what
 * overrides each.
 */
function derivedIdentifiers(service: Service, units: Readonly<Record<string, string>>): Array<{ what: string; name: string; override?: string }> {
  const listed = service.unitFile !== undefined && isUnitName(unitFromPath(service.unitFile.value));
  const derivedUnit = !listed && !Object.hasOwn(units, service.name.value);
  const derived: Array<{ what: string; name: string; override?: string }> = [];
  if (derivedUnit) derived.push({ what: 'systemd unit', name: unitName(service, units), override: 'name its unit in `systemd.units` in the config' });
  if (hasUpstream(service)) derived.push({ what: 'nginx upstream', name: upstreamName(service) });
  if (!service.variable) derived.push({ what: 'variable', name: portVariable(service), override: 'its variable in an `Env` cell' });
  return derived;
}
