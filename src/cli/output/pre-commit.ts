/** What the pre-commit hook prints: what it staged, or why the commit is refused and the fix. */
import path from 'node:path';
import type { PreCommitResult } from '../../commands/pre-commit.js';
import type { PathOptions } from '../../config/load.js';
import { displayPath } from '../../config/load.js';
import { colorEnabled } from '../../diagnostics/format.js';
import { shellWord } from '../../support/shell.js';
import { manifestName } from '../../write/index.js';
import { formatDiff, unifiedDiff } from '../diff.js';
import { count, fixCommand, type Io, printConflicts, printDiagnostics, printIgnored } from './common.js';

export function printPreCommit(outcome: PreCommitResult, paths: PathOptions, io: Io): number {
  const { relevant, result, built, mismatched } = outcome;
  if (!relevant) return 0; // quiet when the commit touches neither inputs nor outputs
  if (result) {
    printDiagnostics(result, io);
    if (!result.plan) return 1;
    if (result.plan.conflicts.length > 0) return printConflicts(result, io);
    if (result.staged.length > 0) io.stdout(`portbook: regenerated and staged ${count(result.staged.length, 'file')}\n`);
    printIgnored(result.ignored, io);
  } else if (built && !built.files) {
    // outputs only: warnings belong to the commit that edits the registry; errors stop this one
    printDiagnostics(built, io, 'the staged outputs were not checked against it');
    return 1;
  }
  if (mismatched.length === 0) return 0;
  const config = (result ?? built)!.config;
  const color = colorEnabled(io.tty === true);
  const names: string[] = [];
  for (const output of mismatched) {
    const name = displayPath(path.join(config.out, output.path), io.cwd);
    names.push(name);
    io.stderr(
      output.staged === undefined
        ? `portbook: ${name} is deleted in this commit, but gen writes it.\n`
        : `portbook: ${name} is staged with content gen would not write (edited by hand, or staged without its registry):\n`,
    );
    if (output.staged !== undefined && output.path !== manifestName) io.stderr(formatDiff(unifiedDiff(name, output.staged, output.rendered), 20, color));
  }
  const restore = mismatched.some((output) => output.worktree === 'edited')
    ? fixCommand(paths, true)
    : mismatched.some((output) => output.worktree === 'other')
      ? fixCommand(paths)
      : '';
  const add = `\`git add ${names.map(shellWord).join(' ')}\``;
  io.stderr(
    `\nTo commit what gen writes, ${restore ? `run ${restore} to restore ${mismatched.length === 1 ? 'it' : 'them'}, then ${add}` : `run ${add}: the work tree already holds it`}. ` +
      `To keep a change, move it into the registry or a template, run ${fixCommand(paths)}, then ${add}.\n`,
  );
  return 1;
}
