/**
 * nginx: one file per environment with upstreams and server blocks, to be
 * included in the `http {}` block, and one file with the default server of
 * every port they listen on. Files of several environments can be included
 * together: upstream names and `map` variables are environment-scoped, and
 * the default servers live in their own file, once for all environments
 * (nginx refuses two default servers on one port).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { snake } from '../registry/names.js';
import type { Service } from '../registry/types.js';
import type { Target, TargetOptions } from './target.js';
import type { Model } from './view.js';

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

/**
 * What the `listen` lines of a server on `port` say: the IPv4 line, then,
 * unless nginx.ipv6 is off, the IPv6 one (`[::]:443 ssl http2`). nginx 1.22
 * (Debian 12) knows HTTP/2 only as a listen parameter; `http2 on;` is 1.25.1's.
 */
export function listenLines(port: number, ssl: boolean, options: TargetOptions['nginx'], defaultServer = false): string[] {
  const parameters = [ssl ? ' ssl' : '', ssl && options.http2 === 'listen' ? ' http2' : '', defaultServer ? ' default_server' : ''].join('');
  return [`${port}${parameters}`, ...(options.ipv6 ? [`[::]:${port}${parameters}`] : [])];
}

/** The file that holds them. */
export const defaultServerPath = 'nginx/portbook.default-server.conf';

/**
 * The default server of every port any environment's sites listen on (their
 * own ports, and 80 for the redirects): an unknown Host gets no answer (444),
 * and on SSL ports an unknown name gets no TLS handshake either
 * (`ssl_reject_handshake`, nginx 1.19.4+, needs no certificate). No cell
 * reaches this file: it is ports and fixed text.
 */
export function defaultServerFile(model: Model, options: TargetOptions['nginx']): string | undefined {
  const ports = new Map<number, boolean>();
  for (const site of model.environments.flatMap((environment) => environment.sites)) {
    // validate's listen-ssl-mixed keeps one port to one kind; with SSL here, nginx would make the whole port SSL anyway
    ports.set(site.listen, site.ssl || (ports.get(site.listen) ?? false));
    if (site.redirect) ports.set(80, ports.get(80) ?? false);
  }
  if (ports.size === 0) return undefined;
  const servers = [...ports]
    .sort(([a], [b]) => a - b)
    .map(([port, ssl]) =>
      [
        'server {',
        ...listenLines(port, ssl, options, true).map((line) => `    listen ${line};`),
        ...(ssl ? ['    ssl_reject_handshake on;'] : []),
        '    return 444;',
        '}',
      ].join('\n'),
    );
  return [
    '# The default server of every port the nginx files listen on: a request for a host no server names gets no answer',
    '# (444), and on SSL ports a TLS handshake for one is refused, so a stray Host never reaches an arbitrary app.',
    "# Include this file once per host, beside the environments' files: nginx allows one default server per port",
    "# (remove the distribution's own, such as /etc/nginx/sites-enabled/default, or turn nginx.defaultServer off).",
    ...servers.map((server) => `\n${server}`),
    '',
  ].join('\n');
}

/** A minimal nginx.conf that includes the candidates in one http block, for `nginx -t -c {wrapper}`. */
function wrapper(staging: string, candidates: readonly string[]): string {
  const file = path.join(staging, 'nginx-wrapper.conf');
  const includes = candidates.map((candidate) => `    include ${nginxString(candidate)};`).join('\n');
  writeFileSync(file, `pid ${nginxString(path.join(staging, 'nginx.pid'))};\nerror_log stderr;\nevents {}\nhttp {\n    access_log off;\n${includes}\n}\n`);
  return file;
}

/** A file's name on the host: `portbook.production.conf`, with the config's deploy.name `portbook.shop.production.conf`. */
function hostName(name: string, stem: string): string {
  return `portbook.${name === '' ? '' : `${name}.`}${stem}.conf`;
}

export const nginx: Target<'nginx'> = {
  id: 'nginx',
  summary:
    'upstreams and server blocks (TLS and HTTP/2, IPv4 and IPv6, port-80 redirects with an ACME challenge location, WebSocket upgrades, health locations, sites behind a TLS-terminating proxy), to include in `http {}`; upstream names are prefixed by the environment so all files can be included together; and one default server per listening port that answers unknown hosts with 444',
  paths: '`nginx/portbook.conf`, `nginx/portbook.<environment>.conf`, `nginx/portbook.default-server.conf`',
  byDefault: true,
  template: 'nginx.conf.hbs',
  comment: '#',
  helpers: { nginxString },
  outputs: ({ model, options }) => {
    const files = model.environments
      .filter((environment) => environment.upstreams.length > 0 || environment.sites.length > 0)
      .map((environment) => ({ path: `nginx/portbook${environment.isDefault ? '' : `.${environment.key}`}.conf`, context: { ...model, environment } }));
    const defaults = options.nginx.defaultServer ? defaultServerFile(model, options.nginx) : undefined;
    return defaults === undefined ? files : [...files, { path: defaultServerPath, content: defaults }];
  },
  candidatePlaceholders: { wrapper },
  install: {
    // Debian and Ubuntu include conf.d/*.conf in http {}
    directory: '/etc/nginx/conf.d',
    place: (output, environment, name) => {
      if (output === defaultServerPath) return hostName(name, 'default-server');
      const match = /^nginx\/portbook(?:\.([a-z]+))?\.conf$/.exec(output);
      return match && (match[1] ?? 'default') === environment ? hostName(name, environment) : undefined;
    },
    loader: 'nginx',
  },
};
