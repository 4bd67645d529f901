/** What `init` prints: what it did and kept, the first gen's diagnostics, the hook. */
import type { InitResult } from '../../commands/init.js';
import { type Io, printConflicts, printDiagnostics, printIgnoredOutputs, unignoreAdvice } from './common.js';

export function printInit(result: InitResult, io: Io): number {
  for (const line of result.done) io.stdout(`${line}\n`);
  if (result.targetsOff.length > 0) io.stdout(`Off until "targets" in portbook.config.json names them: ${result.targetsOff.join(', ')}.\n`);
  for (const file of result.kept) {
    io.stdout(`kept ${file} (${file === result.registry ? 'your registry: init never replaces it' : 'it exists; `portbook init --force` replaces it'})\n`);
  }
  printDiagnostics(result.generated, io, 'gen wrote no outputs');
  printIgnoredOutputs(result.ignored, io, result.unignoreFailed ? `portbook: --unignore-outputs: ${result.unignoreFailed}` : unignoreAdvice);
  if (result.hookSkipped) io.stderr(`portbook: no pre-commit hook: ${result.hookSkipped}\n`);
  else if (result.hook) io.stdout(`The pre-commit hook regenerates and stages the outputs on every commit that edits the registry; ${result.hook.message}.\n`);
  if (!result.generated.plan || result.unignoreFailed) return 1;
  if (result.generated.plan.conflicts.length > 0) return printConflicts(result.generated, io);
  return 0;
}
