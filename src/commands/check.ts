/** `check`: what gen would change, without writing; CI fails on any stale output. */
import type { PathOptions } from '../config/load.js';
import { manifestName, sameListing } from '../write/index.js';
import { type GenerateResult, generate } from './gen.js';

/**
 * Build and compare with the disk: `plan.changes` lists every stale, missing
 * or extra file. The manifest counts only when it is missing or lists other
 * files than gen would: its record of the inputs (a hash of the registry's
 * prose, portbook's version, the warnings) is bookkeeping for the next run,
 * and outputs that all match are not stale because it is out of date.
 */
export function check(options: PathOptions = {}): GenerateResult {
  const result = generate({ ...options, dryRun: true, force: false });
  const manifest = result.plan?.changes.find((change) => change.path === manifestName);
  if (!result.plan || !manifest || manifest.before === undefined || manifest.after === undefined) return result;
  if (!sameListing(manifest.before, manifest.after)) return result;
  const changes = result.plan.changes.filter((change) => change !== manifest);
  return { ...result, plan: { ...result.plan, changes } };
}
