/**
 * Drift: how the host differs from what the registry says, reading only.
 * Per file portbook deploys for the environment: the same, edited on the
 * host, deployed from an older registry, missing, never portbook's, or left
 * behind after its service went. From `nginx -T` of the host's configuration:
 * routes to a registered port in a file portbook did not deploy, and routes to
 * a local port no table registers. From the units: an `Environment=` that
 * gives a service another port than the registry.
 */
import type { RenderOptions } from '../config/load.js';
import type { ServiceView } from '../targets/index.js';
import { readHost } from './host.js';
import type { HostFile } from './install.js';
import { loadNginx } from './nginx.js';
import { isLocalHost, passTarget, type Statement, statements } from './nginx-config.js';
import { ownership } from './plan.js';
import { type DeployRecords, readRecords, recordKey } from './record.js';
import { consumer, type Ran } from './run.js';
import { environmentSettings, unitFiles } from './systemd.js';

export type FileDrift = 'same' | 'edited' | 'outdated' | 'missing' | 'foreign' | 'left-behind';

export interface DriftedFile {
  path: string;
  target: string;
  status: FileDrift;
}

/** A route in nginx's configuration to a port on this machine that portbook does not manage. */
export interface DriftedRoute {
  /** The host file and line of the `*_pass` (or of the upstream's `server` it goes through). */
  file: string;
  line: number;
  /** The first `server_name` of the server block, when it is in one. */
  server?: string;
  /** Where it sends requests, as written: `127.0.0.1:17354`. */
  address: string;
  port: number;
  /** The upstream it goes through, if any. */
  upstream?: string;
  /** The services the registry gives that port (`Creator Suite API (default)`): none means no table registers it. */
  services: string[];
}

/** A unit's file setting a service's port variable to another port than the registry's. */
export interface DriftedUnit {
  unit: string;
  service: string;
  file: string;
  line: number;
  variable: string;
  value: string;
  port: number;
}

export interface DriftReport {
  root: string;
  environment: string;
  files: DriftedFile[];
  routes: DriftedRoute[];
  units: DriftedUnit[];
  /** `nginx -T` of the host's configuration, when it failed: the host's nginx would not load either. */
  nginx?: Ran;
  /** What was not checked, and why. */
  notes: string[];
}

/** Whether the report shows drift (the command exits 1). */
export function drifted(report: DriftReport): boolean {
  return report.files.some((file) => file.status !== 'same') || report.routes.length > 0 || report.units.length > 0 || report.nginx !== undefined;
}

/** Each file of the environment against the host, then what this environment deployed and no longer renders. */
function fileDrift(root: string, files: readonly HostFile[], records: DeployRecords, key: string): DriftedFile[] {
  const result: DriftedFile[] = [];
  const recorded = (hostPath: string): string | undefined =>
    Object.values(records).find((entry) => Object.hasOwn(entry.files, hostPath))?.files[hostPath]?.sha256;
  for (const file of files) {
    const before = readHost(root, file.path);
    const state = before === undefined ? undefined : ownership(before, recorded(file.path));
    const status: FileDrift =
      before === undefined ? 'missing' : before === file.content ? 'same' : state === 'ours' ? 'outdated' : state === 'edited' ? 'edited' : 'foreign';
    result.push({ path: file.path, target: file.target, status });
  }
  const rendered = new Set(files.map((file) => file.path));
  for (const [hostPath, deployed] of Object.entries(records[key]?.files ?? {})) {
    if (rendered.has(hostPath) || readHost(root, hostPath) === undefined) continue;
    result.push({ path: hostPath, target: deployed.target, status: 'left-behind' });
  }
  return result.sort((a, b) => (a.path < b.path ? -1 : 1));
}

const passDirectives = new Set(['proxy_pass', 'grpc_pass', 'uwsgi_pass', 'scgi_pass', 'fastcgi_pass', 'memcached_pass']);

/** The routes of nginx's loaded files (host path → text) to local ports, except those in `managed` files. */
export function routesIn(sections: ReadonlyArray<{ file: string; text: string }>, managed: ReadonlySet<string>): Omit<DriftedRoute, 'services'>[] {
  const parsed = sections.map(({ file, text }) => ({ file, list: statements(text) }));
  const upstreams = new Map<string, Array<{ file: string; line: number; address: string }>>();
  for (const { file, list } of parsed) {
    for (const statement of list) {
      const upstream = statement.within.at(-1);
      if (statement.name.text !== 'server' || statement.block || upstream?.name !== 'upstream') continue;
      const name = list.find((each) => each.id === upstream.id)?.args[0]?.text;
      if (name === undefined || statement.args[0] === undefined) continue;
      upstreams.set(name, [...(upstreams.get(name) ?? []), { file, line: statement.name.line, address: statement.args[0].text }]);
    }
  }
  const routes: Omit<DriftedRoute, 'services'>[] = [];
  for (const { file, list } of parsed) {
    if (managed.has(file)) continue;
    const names = serverNames(list);
    for (const statement of list) {
      const value = statement.args[0]?.text;
      if (!passDirectives.has(statement.name.text) || value === undefined) continue;
      const server = names.get([...statement.within].reverse().find((block) => block.name === 'server')?.id ?? -1);
      const named = /^(?:[a-z]+:\/\/)?([A-Za-z0-9_.-]+)(?:\/.*)?$/.exec(value)?.[1];
      const through = named !== undefined ? upstreams.get(named) : undefined;
      const targets = through ? through.map((each) => ({ ...each, upstream: named })) : [{ file, line: statement.name.line, address: value }];
      for (const target of targets) {
        const where = passTarget(target.address);
        if (!where || where.port === undefined || !isLocalHost(where.host)) continue;
        routes.push({
          file,
          line: statement.name.line,
          ...(server ? { server } : {}),
          address: target.address.replace(/^[a-z]+:\/\//i, '').split('/')[0]!,
          port: where.port,
          ...('upstream' in target ? { upstream: target.upstream } : {}),
        });
      }
    }
  }
  return routes;
}

/** Each server block's first `server_name`. */
function serverNames(list: readonly Statement[]): Map<number, string> {
  const names = new Map<number, string>();
  for (const statement of list) {
    const server = statement.within.at(-1);
    if (statement.name.text === 'server_name' && server?.name === 'server' && statement.args[0] && !names.has(server.id))
      names.set(server.id, statement.args[0].text);
  }
  return names;
}

export interface DriftInput {
  root: string;
  options: Pick<RenderOptions, 'deploy'>;
  name: string;
  environment: string;
  files: readonly HostFile[];
  /** The environment's services (unit, variable, port). */
  services: readonly Pick<ServiceView, 'name' | 'unit' | 'variable' | 'port'>[];
  /** Every registered port with the services that have it, across environments (`Creator Suite API (default)`). */
  registered: ReadonlyMap<number, string[]>;
}

/** Compare the host with the environment's files, nginx's routes and the units' ports. Reads only (nginx loads a copy). */
export function driftReport(input: DriftInput): DriftReport {
  const { root, options, environment } = input;
  const { records } = readRecords(root);
  const managed = new Set([...Object.values(records).flatMap((entry) => Object.keys(entry.files)), ...input.files.map((file) => file.path)]);
  const report: DriftReport = {
    root,
    environment,
    files: fileDrift(root, input.files, records, recordKey(input.name, environment)),
    routes: [],
    units: [],
    notes: [],
  };
  if (readHost(root, options.deploy.nginxConfig) === undefined) report.notes.push(`nginx was not checked: there is no ${options.deploy.nginxConfig}`);
  else if (consumer('/usr/sbin/nginx') === undefined) report.notes.push('nginx was not checked: nginx is not installed here');
  else {
    const loaded = loadNginx(root, options);
    if (!loaded.ran.ok) report.nginx = loaded.ran;
    report.routes = routesIn(loaded.sections, managed)
      .map((route) => ({ ...route, services: input.registered.get(route.port) ?? [] }))
      .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  }
  for (const service of input.services) {
    const unit = `${service.unit}.service`;
    for (const { file, text } of unitFiles(root, options, unit)) {
      if (managed.has(file)) continue;
      for (const setting of environmentSettings(file, text, new Set(['PORT', service.variable]))) {
        if (setting.value === String(service.port)) continue;
        report.units.push({ unit, service: service.name, file, line: setting.line, variable: setting.name, value: setting.value, port: service.port });
      }
    }
  }
  return report;
}
