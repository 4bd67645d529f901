/** `check`: what gen would change, without writing; CI fails on any stale output. Also which outputs git would not commit. */
import path from 'node:path';
import type { PathOptions } from '../config/load.js';
import { type IgnoredFile, ignoredFiles } from '../git/ignored.js';
import { real } from '../support/paths.js';
import { manifestName, sameListing } from '../write/index.js';
import type { Built } from './build.js';
import { type GenerateResult, generate } from './gen.js';

export type { IgnoredFile } from '../git/ignored.js';

export interface CheckResult extends GenerateResult {
  /** Outputs git would not commit (untracked, excluded by an ignore rule), each with its rule: CI and every other clone lack them. */
  ignored: IgnoredFile[];
}

/**
 * Build and compare with the disk: `plan.changes` lists every stale, missing
 * or extra file. The manifest counts only when it is missing or lists other
 * files than gen would: its record of the inputs (a hash of the registry's
 * prose, portbook's version, the warnings) is bookkeeping for the next run,
 * and outputs that all match are not stale because it is out of date.
 */
export function check(options: PathOptions = {}): CheckResult {
  const result = generate({ ...options, dryRun: true, force: false });
  const ignored = ignoredOutputs(result);
  const manifest = result.plan?.changes.find((change) => change.path === manifestName);
  if (!result.plan || !manifest || manifest.before === undefined || manifest.after === undefined) return { ...result, ignored };
  if (!sameListing(manifest.before, manifest.after)) return { ...result, ignored };
  const changes = result.plan.changes.filter((change) => change !== manifest);
  return { ...result, plan: { ...result.plan, changes }, ignored };
}

/** The outputs of a build (the manifest included) that git would not commit, with the rule that excludes each; none when it had errors. */
export function ignoredOutputs(built: Built): IgnoredFile[] {
  if (!built.files) return [];
  // no output is a link nor under one inside --out (write refuses them): --out resolved once, not 2,000 drop-ins one by one
  const out = built.config.out;
  const realOut = real(out);
  return ignoredFiles(
    built.config.root,
    [...built.files.keys()].map((relative) => path.join(out, ...relative.split('/'))),
    (file) => path.join(realOut, path.relative(out, file)),
  );
}
