/**
 * The install map: for each target that has one (targets/*.ts `install`),
 * where its files go on a host, with the config's `deploy` overrides; and the
 * files of one environment, as host paths with their content.
 */
import type { RenderOptions } from '../config/load.js';
import type { RenderedFile } from '../render/index.js';
import { PortbookError } from '../support/errors.js';
import { type TargetId, targetNamed } from '../targets/index.js';
import type { TargetInstall } from '../targets/target.js';
import { isHostPath } from './host.js';

export type Loader = NonNullable<TargetInstall['loader']>;

/** One file as it goes on the host. */
export interface HostFile {
  /** As the host names it: `/etc/nginx/conf.d/portbook.production.conf`. */
  path: string;
  content: string;
  target: TargetId;
  /** The output it is (out-relative, as in generated/). */
  output: string;
}

/** A target's host directory: the config's `deploy.<id>`, else the target's own; `undefined` for a target that is never deployed. */
export function installDirectory(options: Pick<RenderOptions, 'deploy'>, target: TargetId): string | undefined {
  const install = targetNamed(target).install;
  return install ? (options.deploy.directories[target] ?? install.directory) : undefined;
}

/** What reads a target's files on the host, if anything. */
export function loaderOf(target: string): Loader | undefined {
  // a record names targets as strings: one this version does not know reads as nothing
  return (targetNamed(target as TargetId) as ReturnType<typeof targetNamed> | undefined)?.install?.loader;
}

/** The rendered files `environment` deploys, as host files, in host-path order. */
export function hostFiles(rendered: ReadonlyMap<string, RenderedFile>, options: Pick<RenderOptions, 'deploy'>, environment: string): HostFile[] {
  const files = new Map<string, HostFile>();
  for (const [output, { content, target }] of rendered) {
    if (target === undefined) continue;
    const install = targetNamed(target).install;
    const placed = install?.place(output, environment, options.deploy.name);
    if (!install || placed === undefined) continue;
    const hostPath = `${installDirectory(options, target)}/${placed}`;
    if (!isHostPath(hostPath)) throw new Error(`internal: ${target} places ${output} at ${JSON.stringify(hostPath)}`);
    const other = files.get(hostPath);
    if (other)
      throw new PortbookError(`${other.output} and ${output} would both be deployed as ${hostPath}: give ${target} another directory (deploy.${target})`);
    files.set(hostPath, { path: hostPath, content, target, output });
  }
  return [...files.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** The outputs of targets deploy never places, by target, with where they go instead. */
const projectSide: Partial<Record<TargetId, string>> = {
  ufw: 'ufw stays in the project: a person runs its script as root (`sh ufw/portbook.sh` from the output directory); deploy does not place it',
  compose:
    'compose stays in the project: its override goes beside your compose file (`docker compose -f compose.yaml -f compose/docker-compose.portbook.yml up -d`); deploy does not place it',
  prometheus:
    "prometheus/blackbox.yml stays in the project: merge its modules into the blackbox exporter's own file (Debian's /etc/prometheus/blackbox.yml); deploy places the rules and target files",
};

/** One line for each enabled target whose files (or some of them) deploy leaves in the project, saying where they go instead. */
export function projectSideNotes(options: Pick<RenderOptions, 'targets'>): string[] {
  return options.targets.flatMap((target) => projectSide[target] ?? []);
}
