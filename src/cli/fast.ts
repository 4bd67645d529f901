/**
 * The fast path of the CLI: `portbook gen` and `portbook check` when nothing
 * changed since the last gen. It loads no parser and no template engine: it
 * hashes the inputs, compares with the manifest, and checks each output's
 * hash. Anything else (a change, a flag it does not know, an error) returns
 * `undefined` and the full CLI runs instead, so behaviour is the same.
 */
import { type Dirent, lstatSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { inputsHash } from '../config/inputs.js';
import { type Config, displayPath, loadConfig } from '../config/load.js';
import { formatDiagnostic, sourceLines } from '../diagnostics/format.js';
import { sha256Hex } from '../support/hash.js';
import { readRegularFile } from '../support/regular-file.js';
import { withLf } from '../support/stamp.js';
import { deadStagingDirectories, isDeadTemporary, journalName, manifestName, readManifest, recordedInputs } from '../write/index.js';
import { fastArguments } from './fast-arguments.js';
import type { Io } from './main.js';

/**
 * Reads outputs the way gen would accept them: gen refuses to write through a
 * link that leads outside --out, so such an output is left to it (`undefined`).
 * Whether a directory on the way is a link comes from one listing of its
 * parent (2,000 drop-in directories: one listing, not 2,000 lstat calls), and
 * a file is read without following a link; only links are resolved. Only a
 * regular file is read (a FIFO where an output goes never blocks the run).
 */
class OutputReader {
  private readonly root: string;
  private readonly directories = new Map<string, boolean>();
  private readonly listings = new Map<string, Map<string, Dirent>>();

  constructor(private readonly out: string) {
    this.root = realpathSync.native(out);
  }

  resolvesInside(file: string): boolean {
    return realpathSync.native(file).startsWith(this.root + path.sep);
  }

  /** The entries of a directory, read once. */
  listing(dir: string): ReadonlyMap<string, Dirent> {
    let listing = this.listings.get(dir);
    if (listing === undefined) {
      listing = new Map(readdirSync(dir, { withFileTypes: true }).map((dirent) => [dirent.name, dirent]));
      this.listings.set(dir, listing);
    }
    return listing;
  }

  /** Whether `entry` is a link, from its parent's listing; `undefined` when it is not there. */
  private isLink(entry: string): boolean | undefined {
    return this.listing(path.dirname(entry)).get(path.basename(entry))?.isSymbolicLink();
  }

  /** Whether no link on the way from --out down to `dir` leads outside it. */
  private directoryInside(dir: string): boolean {
    if (dir === this.out) return true;
    if (!dir.startsWith(this.out + path.sep)) return false;
    let known = this.directories.get(dir);
    if (known === undefined) {
      const link = this.isLink(dir);
      known = link !== undefined && this.directoryInside(path.dirname(dir)) && (!link || this.resolvesInside(dir));
      this.directories.set(dir, known);
    }
    return known;
  }

  read(relative: string): string | undefined {
    const file = path.join(this.out, ...relative.split('/'));
    if (!this.directoryInside(path.dirname(file))) return undefined;
    try {
      return readRegularFile(file, { noFollow: true }).toString('utf8');
    } catch (error) {
      // the file itself is a link: fine when it stays inside
      if ((error as NodeJS.ErrnoException).code !== 'ELOOP' || !this.resolvesInside(file)) return undefined;
      return readRegularFile(file).toString('utf8');
    }
  }
}

/**
 * Whether a killed run left something the full gen would remove. Among the
 * outputs it takes one listing, of --out itself: a run whose manifest
 * changes writes the manifest's temporary there first, so whatever it left
 * anywhere, that is left too (see write.ts's apply); a run whose manifest
 * does not change leaves temporaries only for outputs that still differ
 * from the manifest, and then this path has already stepped aside. Then the
 * registry's directory (a killed diagram rewrite, fill, add or
 * fix-encoding), and, when a target validates, the OS temporary directory
 * (mirroring deploy.ts's `validates`: this bundle loads no renderer).
 */
function hasDebris(config: Config, reader: OutputReader): boolean {
  for (const entry of reader.listing(config.out).values()) {
    if ((entry.isFile() || entry.isDirectory()) && isDeadTemporary(entry.name)) return true;
  }
  const registry = realpathSync.native(config.source);
  const name = path.basename(registry);
  if (readdirSync(path.dirname(registry), { withFileTypes: true }).some((entry) => entry.isFile() && isDeadTemporary(entry.name, name))) return true;
  return Object.values(config.commands).some((commands) => commands?.validate !== undefined) && deadStagingDirectories().length > 0;
}

/** The exit code when the fast path could answer, else `undefined`. */
export function fastPath(argv: readonly string[], io: Io): number | undefined {
  const parsed = fastArguments(argv);
  if (!parsed) return undefined;
  try {
    const config = loadConfig({ ...parsed.paths, cwd: io.cwd });
    // changed inputs (an edit) step aside before the whole manifest is read, stamp-checked and parsed
    const inputs = inputsHash(config);
    if (inputs === undefined || recordedInputs(config.out) !== inputs) return undefined;
    const manifest = readManifest(config.out, true);
    if (!manifest?.inputs || manifest.inputs !== inputs) return undefined;
    const manifestFile = path.join(config.out, manifestName);
    const outputs = new OutputReader(config.out);
    if (lstatSync(manifestFile).isSymbolicLink() && !outputs.resolvesInside(manifestFile)) return undefined;
    const files = Object.entries(manifest.files);
    // a run interrupted among its renames: check and gen say so, and gen finishes it (see write/journal.ts)
    if (outputs.listing(config.out).has(journalName)) return undefined;
    for (const [relative, hash] of files) {
      if (relative.split('/').includes('..') || path.isAbsolute(relative)) return undefined;
      const content = outputs.read(relative);
      // a CRLF copy (git's core.autocrlf) of what gen wrote is what gen wrote
      if (content === undefined || (sha256Hex(content) !== hash && sha256Hex(withLf(content)) !== hash)) return undefined;
    }
    // gen removes what killed runs left (see write.ts): where there is any, it is for the full run to do
    if (parsed.command === 'gen' && hasDebris(config, outputs)) return undefined;
    const source = displayPath(config.source, io.cwd);
    const warnings = manifest.warnings ?? [];
    // a person at a terminal gets the code frames the full CLI shows
    const lines = io.tty && warnings.length > 0 ? sourceLines(new TextDecoder().decode(readRegularFile(config.source))) : [];
    for (const warning of warnings) {
      const shown = { line: warning.line, column: warning.column, severity: 'warning' as const, reason: warning.message, ruleId: warning.ruleId || undefined };
      io.stderr(formatDiagnostic(shown, source, lines, io.tty === true));
    }
    const out = displayPath(config.out, io.cwd);
    const shown = out === '.' ? './' : `${out}/`;
    const count = files.length + 1;
    io.stdout(parsed.command === 'gen' ? `${shown} is up to date (${count} file${count === 1 ? '' : 's'}).\n` : `${shown} is up to date.\n`);
    return 0;
  } catch {
    return undefined; // the full CLI reports whatever went wrong
  }
}
