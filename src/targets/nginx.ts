/**
 * nginx: one file per environment with upstreams and server blocks, to be
 * included in the `http {}` block. Files of several environments can be
 * included together: upstream names and the WebSocket `map` variable are
 * environment-scoped.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { snake } from '../registry/names.js';
import type { Service } from '../registry/types.js';
import type { Target } from './target.js';

/** The nginx upstream for a service: environment-prefixed outside the default environment so files can be included together. */
export function upstreamName(service: Pick<Service, 'name' | 'environment'>): string {
  const base = snake(service.name.value);
  if (base === '') return '';
  const prefix = service.environment.name ? `${service.environment.name}_` : '';
  return /^\d/.test(base) && !prefix ? `_${base}` : `${prefix}${base}`;
}

/** A double-quoted nginx string. `$` would interpolate a variable, so it is refused. */
export function nginxString(value: unknown): string {
  const text = String(value);
  if (/[$\u0000-\u001f\u007f]/.test(text)) {
    throw new Error(`nginxString: refusing ${JSON.stringify(text)}: \`$\` and control characters cannot be quoted for nginx`);
  }
  return `"${text.replace(/[\\"]/g, '\\$&')}"`;
}

/** A minimal nginx.conf that includes the candidates in one http block, for `nginx -t -c {wrapper}`. */
function wrapper(staging: string, candidates: readonly string[]): string {
  const file = path.join(staging, 'nginx-wrapper.conf');
  const includes = candidates.map((candidate) => `    include ${nginxString(candidate)};`).join('\n');
  writeFileSync(file, `pid ${nginxString(path.join(staging, 'nginx.pid'))};\nerror_log stderr;\nevents {}\nhttp {\n    access_log off;\n${includes}\n}\n`);
  return file;
}

export const nginx: Target<'nginx'> = {
  id: 'nginx',
  summary:
    'upstreams and server blocks (TLS, port-80 redirects, WebSocket upgrades, health locations), to include in `http {}`; upstream names are prefixed by the environment so all files can be included together',
  paths: '`nginx/portbook.conf`, `nginx/portbook.<environment>.conf`',
  byDefault: true,
  template: 'nginx.conf.hbs',
  comment: '#',
  helpers: { nginxString },
  outputs: ({ model }) =>
    model.environments
      .filter((environment) => environment.upstreams.length > 0 || environment.sites.length > 0)
      .map((environment) => ({ path: `nginx/portbook${environment.isDefault ? '' : `.${environment.key}`}.conf`, context: { ...model, environment } })),
  candidatePlaceholders: { wrapper },
};
