/**
 * The manifest in the output directory: what portbook wrote (a hash per
 * file), from which source and inputs, with the registry's warnings.
 */

import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { sha256Hex } from '../support/hash.js';
import { stamp, stampPlaceholder, verifyStamp } from '../support/stamp.js';
import { readIfExists } from './files.js';

export const manifestName = '.portbook-manifest.json';

/**
 * What the manifest says of itself. It is portbook's own state, not an
 * output: merges rewrite it and every gen rewrites it whole, so gen replaces
 * one changed by hand (saying so) rather than refusing it like a hand edit of
 * an output. What it guards needs no trust in it: each output carries its own stamp.
 */
export const manifestComment =
  "portbook's own record of the files it wrote in this directory (a hash of each), of its inputs and of the registry's warnings. " +
  'Every `portbook gen` rewrites this file, so an edit here does not last; it decides which outputs gen may remove, so leave it to portbook.';

export interface Manifest {
  /** `portbook:sha256:<hex>` of the manifest itself (see stamp.ts): a manifest changed by hand or by a merge is not trusted to say nothing changed. */
  stamp?: string;
  /** The source the outputs came from, as headers show it. */
  source: string;
  /** SHA-256 of everything that determines the outputs (see inputs.ts): equal means gen would write the same. */
  inputs?: string;
  /** The registry's warnings, so a run that finds nothing changed can still show them. */
  warnings?: ManifestWarning[];
  /** Out-relative path → SHA-256 of the content portbook wrote. */
  files: Record<string, string>;
  /** Out-relative path → the target that wrote it (files of project templates have none): whose reload a removal needs. */
  targets?: Record<string, string>;
}

export interface ManifestWarning {
  line: number;
  column: number;
  message: string;
  ruleId: string;
}

/** The manifest content for a set of rendered files (itself excluded), each with the target that wrote it, if any. */
export function manifestFor(
  files: ReadonlyMap<string, { content: string; target: string | undefined }>,
  source: string,
  inputs?: string,
  warnings: readonly ManifestWarning[] = [],
): string {
  const manifest: Manifest & { $comment: string } = {
    $comment: manifestComment,
    stamp: stampPlaceholder,
    source,
    ...(inputs ? { inputs } : {}),
    warnings: [...warnings],
    files: Object.create(null) as Record<string, string>,
    targets: Object.create(null) as Record<string, string>,
  };
  for (const [file, { content, target }] of files) {
    if (file === manifestName) continue;
    manifest.files[file] = sha256Hex(content);
    if (target !== undefined) manifest.targets![file] = target;
  }
  return stamp(`${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * The manifest in `out`, or `undefined` when there is none or it cannot be
 * parsed. With `intact`, also `undefined` unless its stamp matches: the fast
 * path answers only from a manifest exactly as gen wrote it.
 */
export function readManifest(out: string, intact = false): Manifest | undefined {
  const text = readIfExists(path.join(out, manifestName));
  if (text === undefined) return undefined;
  if (intact && verifyStamp(text) !== 'intact') return undefined;
  return parseManifest(text);
}

/**
 * The inputs hash the manifest in `out` records, read from its first 4 KiB
 * (gen writes it there, before the warnings and the files; with CRLF when a
 * checkout made them so), without reading or trusting the rest: enough to
 * tell that the inputs changed, so that the fast path steps aside without
 * reading and parsing a large manifest. `undefined` when there is no
 * manifest or no such line there; never a reason to trust it.
 */
export function recordedInputs(out: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path.join(out, manifestName), 'r');
    const head = Buffer.alloc(4096);
    const length = readSync(fd, head, 0, head.length, 0);
    return /\r?\n {2}"inputs": "([0-9a-f]{64})",?\r?\n/.exec(head.toString('latin1', 0, length))?.[1];
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Whether two manifests' texts list the same files with the same hashes
 * (their record of the inputs aside): the one test of "the manifest is
 * current" that check, the hook and the CLI share. `false` when either cannot be read.
 */
export function sameListing(a: string, b: string): boolean {
  const listed = (text: string): string | undefined => {
    const files = parseManifest(text)?.files;
    return files && JSON.stringify(files);
  };
  const first = listed(a);
  return first !== undefined && first === listed(b);
}

/** A manifest's text as a Manifest, or `undefined` when it cannot be parsed. */
export function parseManifest(text: string): Manifest | undefined {
  try {
    const value = JSON.parse(text) as Partial<Manifest>;
    if (typeof value.files !== 'object' || value.files === null) return undefined;
    return {
      source: String(value.source ?? ''),
      ...(typeof value.inputs === 'string' ? { inputs: value.inputs } : {}),
      warnings: Array.isArray(value.warnings) ? value.warnings : [],
      files: value.files as Record<string, string>,
      ...(typeof value.targets === 'object' && value.targets !== null ? { targets: value.targets } : {}),
    };
  } catch {
    return undefined; // a broken manifest only means portbook removes nothing
  }
}
