/** `.env` files: one per environment with services, `KEY=value` lines that dotenv, shells and systemd read alike. */
import type { Target } from './target.js';
import type { EnvironmentView } from './view.js';

/** A dotenv value: bare when it is from a safe alphabet, single-quoted otherwise. */
export function envValue(value: unknown): string {
  const text = String(value);
  if (/^[A-Za-z0-9_./:@,+-]*$/.test(text)) return text;
  if (/['\n\r\\]/.test(text)) {
    throw new Error(`envValue: refusing ${JSON.stringify(text)}: quotes, backslashes and newlines cannot be quoted for dotenv`);
  }
  return `'${text}'`;
}

/** `.env` for the default environment, `.env.production` for a named one. */
export function envFileName(environment: Pick<EnvironmentView, 'isDefault' | 'key'>): string {
  return environment.isDefault ? '.env' : `.env.${environment.key}`;
}

export const env: Target<'env'> = {
  id: 'env',
  summary: '`NAME_PORT=<port>` per service (and `NAME_HOST`, `NAME_HEALTH_PATH` from its details), with the service as a comment',
  paths: '`.env` (default environment), `.env.<environment>`',
  byDefault: true,
  template: 'env.hbs',
  comment: '#',
  helpers: { envValue },
  outputs: ({ model }) =>
    model.environments
      .filter((environment) => environment.services.length > 0)
      .map((environment) => ({ path: envFileName(environment), context: { ...model, environment } })),
  install: {
    // for the team's units to read with `EnvironmentFile=`
    directory: '/etc/portbook',
    place: (output, environment, name) =>
      output === (environment === 'default' ? '.env' : `.env.${environment}`) ? `${name === '' ? '' : `${name}.`}${environment}.env` : undefined,
    loader: 'environment-file',
  },
};
