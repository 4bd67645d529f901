/**
 * Caddy: one Caddyfile per environment with sites, for teams that prefer
 * Caddy's automatic HTTPS to nginx and certbot. Each served row is a site
 * (`https://api.example.com`, `http://plain.example.com`, `https://live.example.com:8443`)
 * that proxies to the service; an SSL row gets the same port-80 redirect
 * nginx's does (registry/queries.ts redirectingRows), written out, so Caddy
 * listens on exactly the ports nginx does for the same registry. Caddy
 * obtains and renews certificates itself, upgrades WebSockets through
 * `reverse_proxy` without being asked, and probes a service's health path
 * (`health_uri`).
 *
 * Quoting: a cell reaches a Caddyfile as a comment (caddyComment) or as a
 * token from a checked alphabet (caddyToken), never as anything Caddy
 * would read as a directive, a block, a placeholder or an environment value.
 */
import { PortbookError } from '../support/errors.js';
import { hashComment } from './comments.js';
import type { Target } from './target.js';
import type { SiteView } from './view.js';

/**
 * One line of `#` comment text for a Caddyfile: hashComment, and `{$` broken
 * up. Caddy 2.6 replaces `{$NAME}` with the environment's value before it
 * reads the file, comments included, so a value holding a line break and a
 * site block would become configuration.
 */
export function caddyComment(text: unknown): string {
  return hashComment(text).replace(/\{(?=\$)/g, '{ ');
}

/**
 * A Caddyfile token written bare: a site address, an upstream URL, a path.
 * Only letters, digits and `._~:/[]*-` (no space, quote, brace, `#`, `$` or
 * backslash), so it is one token and never a placeholder, block or comment.
 */
export function caddyToken(value: unknown): string {
  const text = String(value);
  if (!/^[A-Za-z0-9._~:/[\]*-]+$/.test(text)) {
    throw new Error(`caddyToken: refusing ${JSON.stringify(text)}: a Caddyfile token is written from letters, digits and ._~:/[]*- only`);
  }
  return text;
}

/** Caddy serves port 80 only without TLS and 443 only with it (`https://x:80` "violates convention"): such a row cannot be written. */
function checkConventions(sites: readonly SiteView[]): void {
  const odd = sites.find((site) => (site.listen === 80 && site.ssl) || (site.listen === 443 && !site.ssl));
  if (!odd) return;
  throw new PortbookError(
    `The caddy target cannot write ${odd.domain}: Caddy serves port ${odd.listen} only ${odd.ssl ? 'without' : 'with'} TLS; serve it on ${odd.ssl ? 443 : 80}, or turn its SSL ${odd.ssl ? 'off' : 'on'} (listen-port-unusual), or leave caddy out of \`targets\``,
    1,
  );
}

export const caddy: Target<'caddy'> = {
  id: 'caddy',
  summary:
    "a site per domain that proxies to its service (Caddy's automatic HTTPS for SSL rows, `http://` sites for plain ones, the same port-80 redirects and listening ports as nginx, WebSockets, the health path as an active health check), to import from the main Caddyfile",
  paths: '`caddy/portbook.caddyfile`, `caddy/portbook.<environment>.caddyfile`',
  byDefault: false,
  template: 'caddy.caddyfile.hbs',
  comment: '#',
  helpers: { caddyComment, caddyToken },
  outputs: ({ model }) =>
    model.environments
      .filter((environment) => environment.sites.length > 0)
      .map((environment) => {
        checkConventions(environment.sites);
        return { path: `caddy/portbook${environment.isDefault ? '' : `.${environment.key}`}.caddyfile`, context: { ...model, environment } };
      }),
  install: {
    // beside the main Caddyfile, which imports them: `import portbook/*.caddyfile`
    directory: '/etc/caddy/portbook',
    place: (output, environment, name) =>
      output === `caddy/portbook${environment === 'default' ? '' : `.${environment}`}.caddyfile`
        ? `portbook.${name === '' ? '' : `${name}.`}${environment}.caddyfile`
        : undefined,
    loader: 'caddy',
  },
};
