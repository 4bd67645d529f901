/** The arguments the fast path (fast.ts) may answer, known before fast.cjs is loaded. */
import type { PathOptions } from '../config/load.js';

const pathFlags = new Set(['--source', '--out', '--templates', '--config']);

/**
 * Parse `gen|check [--source F] [--out D] [--templates D] [--config F]`;
 * anything else is not for the fast path. bin/portbook.cjs asks before it
 * loads fast.cjs: for other arguments (`gen --no-cache`, `init`) it never does.
 */
export function fastArguments(argv: readonly string[]): { command: 'gen' | 'check'; paths: PathOptions } | undefined {
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
