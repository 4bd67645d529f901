/**
 * Build the view model (targets/view.ts) from a registry that passed
 * validation: each identifier from the target that owns it, each value
 * already checked.
 */
import { environmentSetting } from '../registry/environments.js';
import { asciiHostname, isLoopback } from '../registry/hosts.js';
import { environmentKey, healthVariable, hostVariable, kebab, portVariable, snake } from '../registry/names.js';
import { protocolInfo } from '../registry/protocols.js';
import { hasUpstream, listenPort, portNumber, portsOf, redirectingRows, targetIndex, usesSsl } from '../registry/queries.js';
import type { EnvironmentName, ExternalAccess, Registry, Service } from '../registry/types.js';
import { PortbookError } from '../support/errors.js';
import { diagramNodes } from './diagram.js';
import { upstreamName } from './nginx.js';
import { parseCommand, unitName, usesUvicorn } from './systemd.js';
import type { TargetOptions } from './target.js';
import type { EnvironmentView, Model, ServiceView, SiteView } from './view.js';

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
  const redirects = redirectingRows(registry.externalAccess);
  for (const access of registry.externalAccess) {
    const service = serviceFor(access);
    if (!service) throw new Error(`internal: unvalidated external access ${access.domain.text}`);
    const env = environment(access.environment.name);
    const site = siteView(access, views.get(service)!, redirects.has(access), env.sites.length, options);
    env.sites.push(site);
    if (site.websocket) env.websocket = true;
  }
  const ordered = [...environments.values()].sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
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
    node: diagramNodes.environment(key),
    sitesNode: diagramNodes.sites(key),
  };
}

/** A service as templates see it: every identifier from the target that owns it. */
function serviceView(service: Service, options: TargetOptions): ServiceView {
  const port = portNumber(service.port);
  if (port === undefined) throw new Error(`internal: unvalidated port for ${service.name.value}`);
  const protocol = protocolInfo(service.protocol?.value);
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
  };
}

/** The words of an `ExecStart` detail that passed validation. */
function commandWords(text: string): string[] {
  const parsed = parseCommand(text);
  if ('problem' in parsed) throw new Error(`internal: unvalidated ExecStart ${JSON.stringify(text)}`);
  return parsed.words;
}

/** An external-access row as nginx serves it; `index`: its place among its environment's sites (the diagram's node id). */
function siteView(access: ExternalAccess, service: ServiceView, redirect: boolean, index: number, options: TargetOptions): SiteView {
  const target = access.target?.value;
  const domain = asciiHostname(access.domain.value);
  if (!target || !domain) throw new Error(`internal: unvalidated external access ${access.domain.text}`);
  const listen = listenPort(access);
  // the upstream is defined in the service's environment's file: use it only from that file
  const sameFile = service.environment === environmentKey(access.environment.name);
  const direct = !isLoopback(target.host) || !service.http || !sameFile;
  const certificateDomain = domain.replace(/^\*\./, '');
  return {
    domain,
    listen,
    ssl: usesSsl(access),
    redirect,
    httpsPort: listen === 443 ? '' : `:${listen}`,
    certificate: options.nginx.certificate.replaceAll('{domain}', certificateDomain),
    certificateKey: options.nginx.certificateKey.replaceAll('{domain}', certificateDomain),
    proxyPass: `${service.scheme}://${direct ? `${target.host}:${target.port}` : service.upstream}`,
    websocket: service.websocket,
    purpose: access.purpose?.value ?? '',
    service: service.name,
    serviceNode: service.node,
    ...(service.healthPath ? { healthPath: service.healthPath } : {}),
    node: diagramNodes.site(environmentKey(access.environment.name), index),
  };
}

function choosePrimary(environments: EnvironmentView[], wanted: string | undefined): EnvironmentView {
  const withServices = environments.filter((env) => env.services.length > 0);
  if (wanted !== undefined) {
    // the same words as headings and --env: `prod`, `dev`, `stage`
    const key = environmentSetting(wanted);
    const found = withServices.find((env) => env.key === key);
    if (!found) {
      throw new PortbookError(
        `settings.environment in the config is \`${wanted}\`, but the registry has services only in: ${withServices.map((env) => env.key).join(', ')}`,
      );
    }
    return found;
  }
  const first = withServices[0];
  if (!first) throw new Error('internal: no services after validation');
  return first;
}
