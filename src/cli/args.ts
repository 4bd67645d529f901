/**
 * Reading the command line against the table in command-table.ts: options, their
 * values and the positionals, with every problem kept (not thrown) so the
 * CLI can decide what to say first and suggest what was meant.
 */
import { shellWord } from '../support/shell.js';
import { globalOptions, type OptionSpec, options } from './command-table.js';

export type Problem =
  /** `--dryrun`: no such option. `index` is the token's place in argv. */
  | { kind: 'unknown'; flag: string; index: number }
  /** `--protocol` at the end, or followed by another option. */
  | { kind: 'missing-value'; option: OptionSpec; index: number; next: string | undefined }
  /** `--json=yes`: a switch given a value. */
  | { kind: 'unexpected-value'; option: OptionSpec; index: number };

export interface ParsedArgs {
  values: Record<string, string | boolean>;
  positionals: string[];
  /** Where each positional is in argv. */
  positionalIndex: number[];
  /** Where each option given is in argv, and how many tokens it takes (2 for `--out dir`). */
  optionTokens: Array<{ name: string; index: number; count: number }>;
  problems: Problem[];
}

const all = [...options, ...globalOptions];

/**
 * `--name value`, `--name=value`, `-h`, `-v`, and `--` before positionals
 * that start with a dash. The last of a repeated option wins.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  const positionalIndex: number[] = [];
  const optionTokens: ParsedArgs['optionTokens'] = [];
  const problems: Problem[] = [];
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index]!;
    if (token === '--') {
      for (let rest = index + 1; rest < argv.length; rest++) {
        positionals.push(argv[rest]!);
        positionalIndex.push(rest);
      }
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      positionals.push(token);
      positionalIndex.push(index);
      continue;
    }
    const equals = token.indexOf('=');
    const flag = equals === -1 ? token : token.slice(0, equals);
    const option = flag.startsWith('--')
      ? all.find((each) => each.name === flag.slice(2))
      : all.find((each) => each.short !== undefined && `-${each.short}` === flag);
    if (!option) {
      problems.push({ kind: 'unknown', flag, index });
      continue;
    }
    if (option.type === 'boolean') {
      if (equals !== -1) problems.push({ kind: 'unexpected-value', option, index });
      else {
        values[option.name] = true;
        optionTokens.push({ name: option.name, index, count: 1 });
      }
      continue;
    }
    if (equals !== -1) {
      values[option.name] = token.slice(equals + 1);
      optionTokens.push({ name: option.name, index, count: 1 });
      continue;
    }
    const next = argv[index + 1];
    // `--source --out x` is a forgotten value, not a file named --out; `--port=-1` says it on purpose
    if (next === undefined || (next.startsWith('-') && next !== '-')) {
      problems.push({ kind: 'missing-value', option, index, next });
      continue;
    }
    values[option.name] = next;
    optionTokens.push({ name: option.name, index, count: 2 });
    index++;
  }
  return { values, positionals, positionalIndex, optionTokens, problems };
}

/**
 * The optimal string alignment distance (Damerau-Levenshtein where a
 * transposed pair counts as one edit): `gne` is one edit from `gen`.
 */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * What `typed` probably meant among `candidates`: those it is a prefix of
 * (one, when the prefix is unique), else the nearest within two edits
 * (fewer than its length, so `x` is nothing's typo). Empty when nothing is
 * close.
 */
export function suggestions(typed: string, candidates: readonly string[]): string[] {
  const lower = typed.toLowerCase();
  if (lower === '') return [];
  const prefixed = candidates.filter((candidate) => candidate.startsWith(lower));
  if (prefixed.length > 0) return prefixed;
  const near = candidates
    .map((candidate) => ({ candidate, distance: editDistance(lower, candidate) }))
    .filter(({ distance }) => distance <= 2 && distance < lower.length)
    .sort((a, b) => a.distance - b.distance);
  const best = near[0]?.distance;
  return near.filter(({ distance }) => distance === best).map(({ candidate }) => candidate);
}

/** `portbook` and `argv`, each word quoted as needed. */
export function commandLine(argv: readonly string[]): string {
  return ['portbook', ...argv.map(shellWord)].join(' ');
}
