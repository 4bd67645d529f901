/**
 * Build the view model (targets/view.ts) from a registry that passed
 * validation: each identifier from the target that owns it, each value
 * already checked.
 */
import { environmentSetting } from '../registry/environments.js';
import { asciiHostname, isLoopback } from '../registry/hosts.js';
import { environmentKey, healthVariable, hostVariable, kebab, portVariable, snake } from '../registry/names.js';
import {
  hasUpstream,
  listenPort,
  type PublicReason,
  portNumber,
  portsOf,
  publicPorts as publicPortSet,
  redirectingRows,
  servedAccess,
  serviceProtocol,
  type Transport,
  targetIndex,
  transportsOf,
  usesSsl,
} from '../registry/queries.js';
import type { EnvironmentName, ExternalAccess, Registry, Service } from '../registry/types.js';
import { PortbookError } from '../support/errors.js';
import { composePublish } from './compose.js';
import { diagramNodes } from './diagram.js';
import { listenLines, upstreamName } from './nginx.js';
import { parseCommand, unitName, usesUvicorn } from './systemd.js';
import type { TargetOptions } from './target.js';
import type { EnvironmentView, FirewallPortView, Model, ServiceView, SiteView } from './view.js';

/** Build the view model of a registry that passed validation. */
export function buildModel(registry: Registry, options: TargetOptions, source: string): Model {
  const environments = new Map<string, EnvironmentView>();
  const environment = (name: EnvironmentName | null): EnvironmentView => {
    const key = environmentKey(name);
    const view = environments.get(key) ?? environmentView(name);
    environments.set(key, view);
    return view;
  };
  const views = new Map<Service, ServiceView>();
  for (const service of registry.services) {
    const view = serviceView(service, options);
    views.set(service, view);
    const env = environment(service.environment.name);
    env.services.push(view);
    if (view.http) env.upstreams.push(view);
  }
  const serviceFor = targetIndex(registry);
  // a domain whose service speaks something other than HTTP gets no server block (proxy-target-not-http says so)
  const served = servedAccess(registry);
  const redirects = redirectingRows(served);
  const behindProxy = behindProxyDomains(registry, options.nginx.behindProxy);
  for (const access of served) {
    const service = serviceFor(access);
    if (!service) throw new Error(`internal: unvalidated external access ${access.domain.text}`);
    const env = environment(access.environment.name);
    const site = siteView(access, views.get(service)!, { redirect: redirects.has(access), behindProxy, env, options });
    env.sites.push(site);
    if (site.websocket) env.websocket = true;
    if (site.behindProxy) env.behindProxy = true;
  }
  const ordered = [...environments.values()].sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
  for (const env of ordered) Object.assign(env, firewallPorts(registry, env.key));
  const primary = choosePrimary(ordered, options.settings.environment);
  const ranges = registry.reservedRanges.flatMap((range) => {
    const ports = portsOf(range);
    return ports ? [{ name: range.name.value, ...ports, description: range.description ?? '' }] : [];
  });
  return { source, environments: ordered, primary, ranges };
}

/** An environment with nothing in it yet. */
function environmentView(name: EnvironmentName | null): EnvironmentView {
  const key = environmentKey(name);
  return {
    key,
    name,
    isDefault: name === null,
    services: [],
    upstreams: [],
    sites: [],
    websocket: false,
    upgradeVariable: `$portbook_${name ? `${name}_` : ''}connection_upgrade`,
    behindProxy: false,
    forwardedProtoVariable: `$portbook_${name ? `${name}_` : ''}forwarded_proto`,
    publicPorts: [],
    internalPorts: [],
    node: diagramNodes.environment(key),
    sitesNode: diagramNodes.sites(key),
  };
}

/**
 * What a public port is for, as its firewall comment says it: the services
 * marked public, the domains served on it (with their service), then the
 * domains it redirects to https, each once: `video.example.com (Creator Suite
 * API); redirect to https: video.example.com`.
 */
function publicLabel(reasons: readonly PublicReason[]): string {
  const unique = (parts: string[]): string => [...new Set(parts)].join(', ');
  const services = unique(reasons.flatMap((reason) => (reason.kind === 'service' ? [reason.service] : [])));
  const sites = unique(
    reasons.flatMap((reason) => (reason.kind !== 'site' ? [] : [reason.service === undefined ? reason.domain : `${reason.domain} (${reason.service})`])),
  );
  const redirects = unique(reasons.flatMap((reason) => (reason.kind === 'redirect' ? [reason.domain] : [])));
  return [services, sites, redirects === '' ? '' : `redirect to https: ${redirects}`].filter((part) => part !== '').join('; ');
}

/**
 * An environment's public port set (publicPorts), and its internal ports: its
 * services' ports that are not public, over their transports, and the ports a
 * security note calls internal (TCP), each once, by port.
 */
function firewallPorts(registry: Registry, key: string): Pick<EnvironmentView, 'publicPorts' | 'internalPorts'> {
  const publicPorts = publicPortSet(registry, key).map(({ port, transport, reasons }) => ({ port, transport, label: publicLabel(reasons) }));
  const taken = new Set(publicPorts.map(({ port, transport }) => `${port}/${transport}`));
  const internal = new Map<string, FirewallPortView>();
  const add = (port: number, transport: Transport, label: string): void => {
    const id = `${port}/${transport}`;
    if (port < 1 || port > 65535 || taken.has(id) || internal.has(id)) return;
    internal.set(id, { port, transport, label });
  };
  for (const service of registry.services) {
    const port = portNumber(service.port);
    if (port === undefined || environmentKey(service.environment.name) !== key) continue;
    for (const transport of transportsOf(service)) add(port, transport, service.name.value);
  }
  for (const note of registry.internalPorts ?? []) add(note.value, 'tcp', 'internal port (security note)');
  const internalPorts = [...internal.values()].sort((a, b) => a.port - b.port || (a.transport < b.transport ? -1 : 1));
  return { publicPorts, internalPorts };
}

/** A service as templates see it: every identifier from the target that owns it. */
function serviceView(service: Service, options: TargetOptions): ServiceView {
  const port = portNumber(service.port);
  if (port === undefined) throw new Error(`internal: unvalidated port for ${service.name.value}`);
  // its Protocol cell, or what its name or port says (registry/queries.ts): the rules read it the same way
  const protocol = serviceProtocol(service).info;
  const details = service.details;
  const bind = details?.bind?.value;
  const allInterfaces = bind === undefined || bind === '*' || bind === '0.0.0.0' || bind === '::' || bind === '';
  return {
    name: service.name.value,
    description: service.description?.value ?? '',
    status: service.status?.value ?? '',
    protocol: service.protocol?.value ?? '',
    port,
    variable: portVariable(service),
    upstream: upstreamName(service),
    unit: unitName(service, options.systemd.units),
    slug: kebab(service.name.value),
    node: diagramNodes.service(environmentKey(service.environment.name), snake(service.name.value)),
    upstreamHost: allInterfaces ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind,
    ...(bind !== undefined ? { host: bind === '*' ? '0.0.0.0' : bind } : {}),
    hostVariable: hostVariable(service),
    ...(details?.healthCheck ? { healthPath: details.healthCheck.value } : {}),
    healthVariable: healthVariable(service),
    ...(details?.workers ? { workers: details.workers.value } : {}),
    uvicorn: usesUvicorn(details),
    ...(details?.execStart ? { command: commandWords(details.execStart.value) } : {}),
    socketActivation: details?.socketActivation?.value === true,
    http: hasUpstream(service),
    websocket: protocol.websocket,
    scheme: protocol.tls ? 'https' : 'http',
    environment: environmentKey(service.environment.name),
    ...(details?.composeService ? { compose: composePublish(details.composeService.value, bind, port, details.containerPort?.value) } : {}),
  };
}

/** The words of an `ExecStart` detail that passed validation. */
function commandWords(text: string): string[] {
  const parsed = parseCommand(text);
  if ('problem' in parsed) throw new Error(`internal: unvalidated ExecStart ${JSON.stringify(text)}`);
  return parsed.words;
}

/** What a site's view depends on besides its row and service: its redirect, the domains behind a proxy, its environment (so far), the settings. */
interface SiteContext {
  redirect: boolean;
  behindProxy: (domain: string) => boolean;
  env: EnvironmentView;
  options: TargetOptions;
}

/** An external-access row as nginx serves it; its place among its environment's sites so far is the diagram's node id. */
function siteView(access: ExternalAccess, service: ServiceView, { redirect, behindProxy, env, options }: SiteContext): SiteView {
  const target = access.target?.value;
  const domain = asciiHostname(access.domain.value);
  if (!target || !domain) throw new Error(`internal: unvalidated external access ${access.domain.text}`);
  const listen = listenPort(access);
  const ssl = usesSsl(access);
  const proxied = behindProxy(domain);
  const { acmeWebroot } = options.nginx;
  // the upstream is defined in the service's environment's file: use it only from that file
  const sameFile = service.environment === environmentKey(access.environment.name);
  const direct = !isLoopback(target.host) || !service.http || !sameFile;
  const certificateDomain = domain.replace(/^\*\./, '');
  return {
    domain,
    listen,
    listens: listenLines(listen, ssl, options.nginx),
    ssl,
    http2Directive: ssl && options.nginx.http2 === 'directive',
    redirect,
    redirectListens: listenLines(80, false, options.nginx),
    acme: acmeWebroot !== false && listen === 80 && !ssl,
    ...(acmeWebroot !== false ? { acmeWebroot } : {}),
    behindProxy: proxied,
    forwardedProto: proxied ? env.forwardedProtoVariable : '$scheme',
    httpsPort: listen === 443 ? '' : `:${listen}`,
    certificate: options.nginx.certificate.replaceAll('{domain}', certificateDomain),
    certificateKey: options.nginx.certificateKey.replaceAll('{domain}', certificateDomain),
    proxyPass: `${service.scheme}://${direct ? `${target.host}:${target.port}` : service.upstream}`,
    upstreamUrl: `${service.scheme}://${direct ? `${target.host}:${target.port}` : `${service.upstreamHost}:${service.port}`}`,
    origin: `${ssl ? 'https' : 'http'}://${domain}${listen === (ssl ? 443 : 80) ? '' : `:${listen}`}`,
    websocket: service.websocket,
    purpose: access.purpose?.value ?? '',
    service: service.name,
    serviceNode: service.node,
    ...(service.healthPath ? { healthPath: service.healthPath } : {}),
    node: diagramNodes.site(env.key, env.sites.length),
  };
}

/**
 * Which domains are behind a TLS-terminating proxy (nginx.behindProxy): all,
 * none, or those listed, compared in their ASCII form. A listed domain no row
 * serves is a typo, refused rather than silently doing nothing.
 */
function behindProxyDomains(registry: Registry, setting: TargetOptions['nginx']['behindProxy']): (domain: string) => boolean {
  if (typeof setting === 'boolean') return () => setting;
  const served = new Set(registry.externalAccess.map((access) => asciiHostname(access.domain.value)));
  const unknown = setting.filter((domain) => !served.has(asciiHostname(domain)));
  if (unknown.length > 0) {
    throw new PortbookError(
      `nginx.behindProxy in the config names ${unknown.map((domain) => `\`${domain}\``).join(', ')}, which no External Access row serves: fix the name, or remove it`,
    );
  }
  const listed = new Set(setting.map((domain) => asciiHostname(domain)));
  return (domain) => listed.has(domain);
}

function choosePrimary(environments: EnvironmentView[], wanted: string | undefined): EnvironmentView {
  const withServices = environments.filter((env) => env.services.length > 0);
  if (wanted !== undefined) {
    // the same words as headings and --env: `prod`, `dev`, `stage`
    const key = environmentSetting(wanted);
    const found = withServices.find((env) => env.key === key);
    if (!found) {
      throw new PortbookError(
        `settings.environment in the config is \`${wanted}\`, but the registry has services only in: ${withServices.map((env) => env.key).join(', ')}: ` +
          `set it to one of them, or add services to the ${key} environment`,
      );
    }
    return found;
  }
  const first = withServices[0];
  if (!first) throw new Error('internal: no services after validation');
  return first;
}
