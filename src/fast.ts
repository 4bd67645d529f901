/**
 * The fast path of the CLI: `portbook gen` and `portbook check` when nothing
 * changed since the last gen. It loads no parser and no template engine: it
 * hashes the inputs, compares with the manifest, and checks each output's
 * hash. Anything else (a change, a flag it does not know, an error) returns
 * `undefined` and the full CLI runs instead, so behaviour is the same.
 */
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Io } from './cli.js';
import { displayPath, loadConfig, type PathOptions } from './config.js';
import { formatForTerminal, formatShown, sourceLines } from './diagnostics.js';
import { inputsHash } from './inputs.js';
import { manifestName, readManifest, sha256 } from './write.js';

// bin/portbook.cjs takes the loader of the full CLI from this bundle too: it is all it loads before deciding
export { loadWithCodeCache } from './compile-cache.js';

const pathFlags = new Set(['--source', '--out', '--templates', '--config']);

/** Parse `gen|check [--source F] [--out D] [--templates D] [--config F]`; anything else is not for the fast path. */
function parse(argv: readonly string[]): { command: 'gen' | 'check'; paths: PathOptions } | undefined {
  const [command, ...rest] = argv;
  if (command !== 'gen' && command !== 'check') return undefined;
  const paths: PathOptions = {};
  for (let i = 0; i < rest.length; i++) {
    let flag = rest[i]!;
    let value: string | undefined;
    const equals = flag.indexOf('=');
    if (equals !== -1) [flag, value] = [flag.slice(0, equals), flag.slice(equals + 1)];
    else value = rest[++i];
    if (!pathFlags.has(flag) || value === undefined || value.startsWith('-')) return undefined;
    paths[flag.slice(2) as 'source' | 'out' | 'templates' | 'config'] = value;
  }
  return { command, paths };
}

/** The exit code when the fast path could answer, else `undefined`. */
export function fastPath(argv: readonly string[], io: Io): number | undefined {
  const parsed = parse(argv);
  if (!parsed) return undefined;
  try {
    const config = loadConfig({ ...parsed.paths, cwd: io.cwd });
    const manifest = readManifest(config.out, true);
    if (!manifest?.inputs || manifest.inputs !== inputsHash(config)) return undefined;
    // gen refuses outputs (and a manifest) that resolve outside --out: so does this path, by leaving them to it
    const root = realpathSync.native(config.out);
    const inside = (file: string): boolean => realpathSync.native(file).startsWith(root + path.sep);
    if (!inside(path.join(config.out, manifestName))) return undefined;
    const files = Object.entries(manifest.files);
    for (const [relative, hash] of files) {
      if (relative.split('/').includes('..') || path.isAbsolute(relative)) return undefined;
      const file = path.join(config.out, ...relative.split('/'));
      if (!inside(file) || sha256(readFileSync(file, 'utf8')) !== hash) return undefined;
    }
    const source = displayPath(config.source, io.cwd);
    const warnings = manifest.warnings ?? [];
    // a person at a terminal gets the code frames the full CLI shows
    const lines = io.tty && warnings.length > 0 ? sourceLines(new TextDecoder().decode(readFileSync(config.source))) : [];
    for (const warning of warnings) {
      const shown = { line: warning.line, column: warning.column, severity: 'warning' as const, reason: warning.message, ruleId: warning.ruleId || undefined };
      io.stderr(io.tty ? formatForTerminal(shown, source, lines) : `${formatShown(shown, source)}\n`);
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
