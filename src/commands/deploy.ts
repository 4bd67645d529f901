/**
 * `deploy`: build in memory, take one environment's files to their places on
 * the host (the install map), compare with what is there, check the
 * candidates as the host would load them (deploy/loaders.ts), replace
 * atomically, then reload only what changed; a failed reload puts the old
 * files back. `plan` stops before anything is written.
 */
import path from 'node:path';
import type { PathOptions } from '../config/load.js';
import { type Applied, applyDeploy } from '../deploy/apply.js';
import { checkWritable, normaliseRoot } from '../deploy/host.js';
import { type HostFile, hostFiles } from '../deploy/install.js';
import { checkCandidates, type HostSteps, stepsFor } from '../deploy/loaders.js';
import { type HostPlan, planDeploy, writtenPaths } from '../deploy/plan.js';
import { readRecords, recordKey } from '../deploy/record.js';
import type { Ran } from '../deploy/run.js';
import type { EnvironmentName } from '../registry/types.js';
import { PortbookError } from '../support/errors.js';
import { buildModel, type EnvironmentView } from '../targets/index.js';
import { type Built, build } from './build.js';

export interface DeployOptions extends PathOptions {
  /** The environment to deploy; may be left out when the registry has one. */
  environment?: EnvironmentName | 'default';
  /** Where the host's `/` is (default `/`): every host path is taken under it. */
  root?: string;
  /** Compare and check, write nothing, run nothing. */
  plan?: boolean;
  /** Replace files edited on the host (never files portbook did not deploy). */
  force?: boolean;
}

export interface DeployResult extends Built {
  /** The environment deployed (`default`, `production`…), once known. */
  environment: string | undefined;
  root: string;
  /** `undefined` when the registry had errors. */
  plan: HostPlan | undefined;
  steps: HostSteps | undefined;
  /** The consumers' verdicts on the candidates. */
  checks: Ran[];
  /** What happened on the host; `undefined` when nothing was tried (a plan, a conflict, a failed check, errors). */
  applied: Applied | undefined;
}

/** The environment a deploy or drift is about: its key and services (none for one the registry no longer has). */
export interface Chosen {
  key: string;
  services: EnvironmentView['services'];
  /** The registry no longer has it: none of its files are deployed. */
  gone?: boolean;
}

/**
 * The environment a deploy or drift is about. Left out, the registry's only
 * one; named, one the registry has, or one it no longer has but this project
 * deployed on the host (deploying it then removes its files). Otherwise a
 * usage error (exit 2) that lists the registry's environments.
 */
export function chosenEnvironment(built: Built, environment: string | undefined, deployedHere: (key: string) => boolean): Chosen {
  const model = buildModel(built.registry, built.config, path.relative(built.config.root, built.config.source));
  const present = model.environments.filter((each) => each.services.length > 0 || each.sites.length > 0);
  const names = present.map((each) => each.key).join(', ');
  if (environment === undefined) {
    if (present.length === 1) return present[0]!;
    throw new PortbookError(
      present.length === 0
        ? `${built.displayPath} has no services to deploy`
        : `${built.displayPath} has the environments ${names}: choose one with --env (e.g. --env ${present.at(-1)!.key})`,
    );
  }
  const view = present.find((each) => each.key === environment);
  if (view) return view;
  if (deployedHere(environment)) return { key: environment, services: [], gone: true };
  throw new PortbookError(
    `${built.displayPath} has no ${environment} environment${present.length > 0 ? `; it has ${names}` : ''}: choose one of them with --env`,
  );
}

/** The built registry and the environment's host files, or the build alone when it had errors. */
export function environmentFiles(options: DeployOptions): { built: Built; root: string; environment?: Chosen; files?: HostFile[] } {
  const built = build(options);
  const root = normaliseRoot(options.root, options.cwd ?? process.cwd());
  if (!built.rendered) return { built, root };
  const deployedHere = (key: string): boolean => Object.hasOwn(readRecords(root).records, recordKey(built.config.deploy.name, key));
  const environment = chosenEnvironment(built, options.environment, deployedHere);
  return { built, root, environment, files: environment.gone ? [] : hostFiles(built.rendered, built.config, environment.key) };
}

/** Deploy one environment's files to the host under `root` (see the module's comment). */
export function deploy(options: DeployOptions = {}): DeployResult {
  const { built, root, environment, files } = environmentFiles(options);
  const result: DeployResult = { ...built, environment: environment?.key, root, plan: undefined, steps: undefined, checks: [], applied: undefined };
  if (!environment || !files) return result;
  const source = path.relative(built.config.root, built.config.source).split(path.sep).join('/');
  result.plan = planDeploy(root, files, { name: built.config.deploy.name, environment: environment.key, source, force: options.force ?? false });
  if (result.plan.conflicts.length > 0) return result;
  result.steps = stepsFor(result.plan, built.config);
  // a user who may not write there hears it before the checks, and nothing is written
  if (!options.plan) checkWritable(root, writtenPaths(result.plan));
  result.checks = checkCandidates(result.plan, built.config, files);
  if (options.plan || result.checks.some((check) => !check.ok)) return result;
  result.applied = applyDeploy(result.plan, result.steps, built.config);
  return result;
}

/** Whether a deploy's result is a failure (exit 1): errors, conflicts, a failed check or a failed command. */
export function deployFailed(result: DeployResult): boolean {
  if (!result.plan) return true;
  if (result.plan.conflicts.length > 0 || result.checks.some((check) => !check.ok)) return true;
  return result.applied !== undefined && (!result.applied.written || result.applied.ran.some((ran) => !ran.ok));
}
