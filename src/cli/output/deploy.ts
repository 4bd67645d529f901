/** What `deploy` and `drift` print: the files and what happens to each, the checks, the commands; and --json. */

import { type DeployResult, deployFailed } from '../../commands/deploy.js';
import type { DriftResult } from '../../commands/drift.js';
import { type DriftReport, drifted } from '../../deploy/drift.js';
import type { HostConflict } from '../../deploy/plan.js';
import { shown } from '../../deploy/run.js';
import { colorEnabled } from '../../diagnostics/format.js';
import { toJson } from '../../diagnostics/report.js';
import { visible, visibleLines } from '../../support/visible.js';
import { formatDiff, unifiedDiff } from '../diff.js';
import { count, type Io } from './common.js';

/** `the default environment to /`, `the production environment to /tmp/root`. */
const where = (environment: string | undefined, root: string): string => `the ${environment} environment${root === '/' ? '' : ` under --root ${root}`}`;

/** The plan's files, one line each: what happens to it and, for the files left alone, why. */
function printFiles(result: DeployResult, verb: 'past' | 'future', io: Io): void {
  const plan = result.plan!;
  const words = verb === 'past' ? { create: 'created', update: 'updated', remove: 'removed' } : { create: 'create', update: 'update', remove: 'remove' };
  for (const change of plan.changes) io.stdout(`${words[change.action].padEnd(8)} ${change.path}\n`);
  if (plan.unchanged.length > 0) io.stdout(`${count(plan.unchanged.length, 'file')} unchanged\n`);
  for (const kept of plan.kept) {
    const why =
      kept.reason === 'edited'
        ? 'no longer rendered, but edited on the host since portbook deployed it: not removed; remove it yourself once its edits are safe'
        : 'no longer rendered for this environment, but another one of this project deploys it: left in place';
    io.stdout(`kept     ${kept.path}: ${why}\n`);
  }
}

/** Files deploy must not replace: the diff of a host edit, or whose the file is; nothing was written. */
function printConflicts(conflicts: readonly HostConflict[], io: Io): number {
  const color = colorEnabled(io.tty === true);
  for (const conflict of conflicts) {
    if (conflict.reason === 'edited') {
      io.stderr(`portbook: ${conflict.path} was edited on the host since portbook deployed it:\n`);
      io.stderr(formatDiff(unifiedDiff(conflict.path.slice(1), conflict.before, conflict.after), 20, color));
    } else if (conflict.reason === 'foreign') {
      io.stderr(`portbook: ${conflict.path} exists and was not deployed by portbook; portbook never replaces such a file.\n`);
    } else {
      io.stderr(
        `portbook: ${conflict.path} was deployed by portbook for another project (its entry ${JSON.stringify(conflict.owner)} in the host's record): set deploy.name in this project's portbook.config.json so each project's files have their own names.\n`,
      );
    }
  }
  const edited = conflicts.some((conflict) => conflict.reason === 'edited');
  const foreign = conflicts.some((conflict) => conflict.reason === 'foreign');
  io.stderr(
    `\nNothing was written.${edited ? ' Move the host\u2019s edits into the registry or a template, or run `portbook deploy --force` to replace them.' : ''}${foreign ? ' Move the files portbook did not deploy out of the way, or deploy to another directory (deploy.<target> in the config).' : ''}\n`,
  );
  return 1;
}

/** The checks' verdicts: those that passed, then each that failed on stderr with what the consumer said. */
function printChecks(result: DeployResult, io: Io): boolean {
  for (const check of result.checks.filter((each) => each.ok))
    io.stdout(`checked  ${check.command}${check.output === '' ? '' : `: ${visibleLines(check.output)}`}\n`);
  const failed = result.checks.filter((each) => !each.ok);
  for (const check of failed) io.stderr(`portbook: the candidates fail \`${check.command}\`: ${visibleLines(check.output)}\n`);
  if (failed.length > 0) io.stderr('Nothing was written; the host is as it was.\n');
  return failed.length === 0;
}

/** deploy's output; its exit code. */
export function printDeploy(result: DeployResult, planOnly: boolean, io: Io): number {
  const plan = result.plan!;
  if (plan.conflicts.length > 0) return printConflicts(plan.conflicts, io);
  io.stdout(`${planOnly ? 'Plan for' : 'Deploying'} ${where(result.environment, result.root)} (from ${result.displayPath}):\n`);
  printFiles(result, planOnly || !result.applied?.written ? 'future' : 'past', io);
  if (!printChecks(result, io)) return 1;
  const steps = result.steps!;
  if (planOnly) {
    for (const command of [...steps.before, ...steps.after]) io.stdout(`run      ${shown(command.words)}\n`);
    printNotes(steps, io);
    io.stdout(`\nPlan only: nothing was written and nothing ran.${plan.changes.length > 0 ? ' Run the same command without --plan to do it.' : ''}\n`);
    return 0;
  }
  const applied = result.applied!;
  for (const ran of applied.ran) if (ran.ok) io.stdout(`ran      ${ran.command}\n`);
  if (!deployFailed(result)) {
    printNotes(steps, io);
    const changed = plan.changes.length;
    io.stdout(changed === 0 ? '\nThe host is up to date: nothing to do.\n' : `\nDeployed: ${count(changed, 'file')} changed.\n`);
    return 0;
  }
  return printRollback(result, io);
}

/** Units whose file is new (deploy restarts only what runs, so the team starts these), and what the loaders leave to the team. */
function printNotes(steps: NonNullable<DeployResult['steps']>, io: Io): void {
  for (const unit of steps.newUnits) {
    io.stdout(`note     ${unit} is new: deploy restarts only units that run; start it with \`systemctl enable --now ${unit}\`\n`);
  }
  for (const note of steps.notes) io.stdout(`note     ${note}\n`);
}

/** A command failed: which, what it said, and how the host was returned to the old files. */
function printRollback(result: DeployResult, io: Io): number {
  const applied = result.applied!;
  const failed = applied.ran.find((ran) => !ran.ok)!;
  const replaced = applied.failedAt === 'after';
  io.stderr(`portbook: \`${failed.command}\` failed${replaced ? ' after the files were replaced' : ''}: ${visibleLines(failed.output)}\n`);
  for (const problem of applied.problems) io.stderr(`portbook: ${visibleLines(problem)}\n`);
  const back = applied.problems.length === 0 ? 'The previous files were put back' : 'The other previous files were put back';
  io.stderr(`${replaced ? back : 'Nothing was written'}; to return the host to them, portbook ran:\n`);
  for (const ran of applied.rollback ?? []) io.stderr(`  ${ran.ok ? 'ok    ' : 'failed'}  ${ran.command}${ran.ok ? '' : `: ${visibleLines(ran.output)}`}\n`);
  if ((applied.rollback ?? []).some((ran) => !ran.ok)) io.stderr('Some of them failed too: look at the host before deploying again.\n');
  return 1;
}

/** deploy --json: everything the text says, as data. */
export function printDeployJson(result: DeployResult, planOnly: boolean, io: Io): number {
  const plan = result.plan;
  const json = {
    diagnostics: result.diagnostics.map((message) => toJson(message, result.displayPath)),
    environment: result.environment ?? null,
    root: result.root,
    plan: planOnly,
    written: result.applied?.written ?? false,
    files: (plan?.changes ?? []).map((change) => ({ path: change.path, action: change.action, target: change.target })),
    unchanged: plan?.unchanged ?? [],
    kept: plan?.kept ?? [],
    conflicts: (plan?.conflicts ?? []).map(({ path, reason, owner }) => ({ path, reason, ...(owner ? { owner } : {}) })),
    checks: result.checks,
    commands: result.steps ? [...result.steps.before, ...result.steps.after].map((command) => shown(command.words)) : [],
    ran: result.applied?.ran ?? [],
    rollback: result.applied?.rollback ?? null,
    newUnits: result.steps?.newUnits ?? [],
    notes: result.steps?.notes ?? [],
  };
  io.stdout(`${JSON.stringify(json, null, 2)}\n`);
  return deployFailed(result) ? 1 : 0;
}

const fileStatus: Readonly<Record<Exclude<DriftReport['files'][number]['status'], 'same'>, string>> = {
  edited: 'edited on the host since portbook deployed it',
  outdated: 'as portbook deployed it from an older registry; `portbook deploy` updates it',
  missing: 'not on the host; `portbook deploy` writes it',
  foreign: 'not deployed by portbook, where its file goes',
  'left-behind': 'deployed for something the registry no longer has; `portbook deploy` removes it',
};

/** drift's output; its exit code (1 on drift). */
export function printDrift(result: DriftResult, io: Io): number {
  const report = result.report!;
  io.stdout(`Drift of ${where(report.environment, report.root)} from ${result.displayPath}:\n`);
  const same = report.files.filter((file) => file.status === 'same');
  for (const file of report.files) if (file.status !== 'same') io.stdout(`${file.status.padEnd(11)} ${file.path}: ${fileStatus[file.status]}\n`);
  if (same.length > 0) io.stdout(`${count(same.length, 'file')} as deployed\n`);
  if (report.nginx) io.stdout(`nginx      \`${report.nginx.command}\` fails on the host's configuration: ${visibleLines(report.nginx.output)}\n`);
  for (const route of report.routes) {
    const at = `${route.file}:${route.line}${route.server ? ` (server ${route.server})` : ''}`;
    const via = route.upstream ? ` through upstream ${route.upstream}` : '';
    const what =
      route.services.length > 0
        ? `a port the registry gives ${route.services.join(', ')}, in a file portbook did not deploy: let the registry's External Access table route it, or remove this route`
        : 'a port no table registers: register it (`portbook add`), or remove this route';
    // the host's nginx configuration and units are shown, never obeyed: whoever wrote them may not be the one reading
    io.stdout(`route      ${visible(`${at} proxies to ${route.address}${via}`)}, ${what}\n`);
  }
  for (const unit of report.units) {
    io.stdout(
      `unit       ${visible(`${unit.file}:${unit.line} sets ${unit.variable}=${unit.value} for ${unit.unit}, but the registry gives ${unit.service}`)} port ${unit.port}: change the unit, or the registry\n`,
    );
  }
  for (const note of report.notes) io.stderr(`portbook: ${note}\n`);
  io.stdout(drifted(report) ? '\nThe host has drifted from the registry.\n' : '\nNo drift: the host is as the registry says.\n');
  return drifted(report) ? 1 : 0;
}

/** drift --json: the report as data; exit 1 on drift. */
export function printDriftJson(result: DriftResult, io: Io): number {
  const report = result.report;
  const json = {
    diagnostics: result.diagnostics.map((message) => toJson(message, result.displayPath)),
    drift: report ? drifted(report) : null,
    ...(report ?? {}),
  };
  io.stdout(`${JSON.stringify(json, null, 2)}\n`);
  return !report || drifted(report) ? 1 : 0;
}
