/**
 * What reads the deployed files on the host (a target's `install.loader`),
 * and what deploy does with it: check the candidates as the host would load
 * them before anything is replaced, then make it take the new files, once,
 * and only where files changed: `systemctl daemon-reload` once for any unit
 * file, a restart of the units whose files (or environment file) changed, a
 * stop of the units whose files go, and one nginx reload; and, for the
 * loaders that take a file whole (sysctl, nftables, caddy, prometheus), each
 * one's entry in file-loaders.ts.
 */
import type { DeployCommands, RenderOptions } from '../config/load.js';
import { PortbookError } from '../support/errors.js';
import { type FileLoader, fileLoaders, type LoaderContext } from './file-loaders.js';
import { type HostFile, loaderOf, projectSideNotes } from './install.js';
import { loadNginx } from './nginx.js';
import type { HostPlan } from './plan.js';
import type { Ran } from './run.js';
import { unitOfHostPath, unitsReading, verifyUnits } from './systemd.js';

/** A command deploy runs on the host. */
export interface HostCommand {
  kind:
    | 'stop'
    | 'daemon-reload'
    | 'restart'
    | 'start'
    | 'reload-nginx'
    | 'apply-sysctl'
    | 'apply-nftables'
    | 'remove-nftables'
    | 'reload-caddy'
    | 'reload-prometheus';
  words: string[];
}

/** The commands around the replacement: before it, after it, and, when one after it fails and the old files are back, to return to where the host was. */
export interface HostSteps {
  before: HostCommand[];
  after: HostCommand[];
  rollback: HostCommand[];
  /** Units whose file is new: deploy restarts only what runs, so these are for the team to start. */
  newUnits: string[];
  /** What the team should know: what a loader leaves to them, targets whose files deploy does not place. */
  notes: string[];
}

/**
 * A configured command with `{units}` replaced by the unit names: a template's
 * as the pattern of its instances (`worker@*.service`, which systemctl takes).
 * A name that starts with `-` would read as an option: refused.
 */
function command(kind: HostCommand['kind'], words: readonly string[], units: readonly string[] = []): HostCommand {
  const odd = units.find((unit) => unit.startsWith('-'));
  if (odd !== undefined)
    throw new PortbookError(`Refusing to run systemctl on the unit ${JSON.stringify(odd)}: a name that starts with - reads as an option; rename the unit`);
  const names = units.map((unit) => unit.replace(/@\.(service|socket)$/, '@*.$1'));
  return { kind, words: words.flatMap((word) => (word === '{units}' ? names : [word])) };
}

/** The units a plan's changes touch: those to restart, those to stop (their unit file goes), and those whose unit file is new. */
function touchedUnits(plan: HostPlan, options: Pick<RenderOptions, 'deploy'>): { restart: string[]; stop: string[]; created: string[] } {
  const restart = new Set<string>();
  const stop = new Set<string>();
  const created = new Set<string>();
  for (const change of plan.changes) {
    const loader = loaderOf(change.target);
    if (loader === 'environment-file') for (const unit of unitsReading(plan.root, options, change.path)) restart.add(unit);
    if (loader !== 'systemd') continue;
    const owner = unitOfHostPath(options, change.path);
    if (!owner) continue;
    if (change.action === 'remove' && !owner.dropIn) {
      stop.add(owner.unit);
      continue;
    }
    if (change.action === 'create' && !owner.dropIn) created.add(owner.unit);
    restart.add(owner.unit);
    // a socket's new address takes its service's restart too
    if (owner.unit.endsWith('.socket')) restart.add(owner.unit.replace(/\.socket$/, '.service'));
  }
  for (const unit of stop) restart.delete(unit);
  // a socket-activated service starts with its socket: enabling the socket is what the team does
  for (const unit of created) if (unit.endsWith('.socket')) created.delete(unit.replace(/\.socket$/, '.service'));
  const sorted = (units: Set<string>): string[] => [...units].sort();
  return { restart: sorted(restart), stop: sorted(stop), created: sorted(created) };
}

/** Each file loader (file-loaders.ts) with the plan's changes of its files, in the table's order; those without a change left out. */
function fileLoaderContexts(plan: HostPlan, options: Pick<RenderOptions, 'deploy'>): Array<[FileLoader, LoaderContext]> {
  return Object.entries(fileLoaders).flatMap(([kind, loader]) => {
    const changes = plan.changes.filter((change) => loaderOf(change.target) === kind);
    return changes.length === 0 ? [] : [[loader, { root: plan.root, options, changes }]];
  });
}

/** The commands a plan needs, with the config's `deploy.commands`. */
export function stepsFor(plan: HostPlan, options: Pick<RenderOptions, 'deploy' | 'targets'>): HostSteps {
  const commands: DeployCommands = options.deploy.commands;
  const units = touchedUnits(plan, options);
  const unitFiles = plan.changes.some((change) => loaderOf(change.target) === 'systemd');
  const nginx = plan.changes.some((change) => loaderOf(change.target) === 'nginx');
  const after = [
    ...(unitFiles ? [command('daemon-reload', commands.daemonReload)] : []),
    ...(units.restart.length > 0 ? [command('restart', commands.restart, units.restart)] : []),
    ...(nginx ? [command('reload-nginx', commands.reloadNginx)] : []),
  ];
  const files = fileLoaderContexts(plan, options);
  after.push(...files.flatMap(([loader, context]) => loader.after(context)));
  const stopped = units.stop.filter((unit) => !units.created.includes(unit));
  return {
    before: stopped.length > 0 ? [command('stop', commands.stop, stopped)] : [],
    after,
    rollback: [
      ...after.filter((each) => each.kind === 'daemon-reload' || each.kind === 'restart'),
      ...(stopped.length > 0 ? [command('start', commands.start, stopped)] : []),
      ...after.filter((each) => each.kind === 'reload-nginx'),
      ...files.flatMap(([loader, context]) => loader.rollback(context)),
    ],
    newUnits: units.created,
    notes: [...files.flatMap(([loader, context]) => loader.notes?.(context) ?? []), ...projectSideNotes(options)],
  };
}

/**
 * Check the candidates with the real consumers, as the host would load them:
 * nginx loads the host's configuration with the changed files in place (and
 * must load every nginx file of the environment), systemd-analyze verifies
 * every unit whose files change. Each check's verdict; none when nothing
 * they read changes.
 */
export function checkCandidates(plan: HostPlan, options: Pick<RenderOptions, 'deploy'>, files: readonly HostFile[]): Ran[] {
  const checks: Ran[] = [];
  const of = (loader: string) => plan.changes.filter((change) => loaderOf(change.target) === loader);
  const candidates = (changes: HostPlan['changes']) => new Map(changes.filter((each) => each.after !== undefined).map((each) => [each.path, each.after!]));
  const removed = (changes: HostPlan['changes']) => new Set(changes.filter((each) => each.action === 'remove').map((each) => each.path));
  const nginx = of('nginx');
  if (nginx.length > 0) {
    const loaded = loadNginx(plan.root, options, candidates(nginx), removed(nginx));
    const seen = new Set(loaded.sections.map((section) => section.file));
    const unread = loaded.ran.ok ? files.filter((file) => loaderOf(file.target) === 'nginx' && !seen.has(file.path)).map((file) => file.path) : [];
    checks.push(
      unread.length === 0
        ? loaded.ran
        : {
            ...loaded.ran,
            ok: false,
            output: `nginx loads ${options.deploy.nginxConfig}, but not ${unread.join(', ')}: include the directory in its http {} block (\`include ${unread[0]!.replace(/\/[^/]*$/, '')}/*.conf;\`), or set deploy.nginx to a directory it includes`,
          },
    );
  }
  const systemd = of('systemd');
  const units = new Set<string>();
  for (const change of systemd) {
    const owner = unitOfHostPath(options, change.path);
    if (!owner || (change.action === 'remove' && !owner.dropIn)) continue;
    units.add(owner.unit);
    if (owner.unit.endsWith('.socket')) units.add(owner.unit.replace(/\.socket$/, '.service'));
  }
  if (units.size > 0) checks.push(verifyUnits(plan.root, options, [...units].sort(), candidates(systemd), removed(systemd)));
  for (const [loader, context] of fileLoaderContexts(plan, options)) checks.push(...loader.check(context));
  return checks;
}
