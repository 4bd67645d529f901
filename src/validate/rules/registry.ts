/** Rules about the registry as a whole: a service table, and service names. */
import { portVariable } from '../../registry/names.js';
import type { Rule } from '../rule.js';
import { label } from '../rule.js';

export const registryRules: readonly Rule[] = [
  {
    id: 'registry-empty',
    check(context) {
      if (context.registry.services.length > 0) return;
      context.report(
        'Unexpected document without a service table, expected a table with a `Service` and a `Port` column, e.g. `| Service | Port | Protocol |`',
        { line: 1, column: 1 },
      );
    },
  },
  {
    id: 'name-missing',
    check(context) {
      for (const service of context.registry.services) {
        if (service.name.text === '') {
          context.report('Row has an empty service name, expected a name such as `API Server`: name the service', service.name.position);
        } else if (!service.variable && portVariable(service) === '') {
          context.report(
            `Unexpected service name ${label(service)}, expected letters or digits to derive its variable name: rename it or add an \`Env\` column`,
            service.name.position,
          );
        }
      }
    },
  },
];
