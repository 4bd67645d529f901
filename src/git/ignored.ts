/**
 * Outputs git would not commit: untracked files an ignore rule excludes
 * (GitHub's Node .gitignore excludes `.env` and `.env.*`), with the rule that
 * excludes each, and the fix: a negation line per output, appended where it
 * takes precedence over that rule.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PortbookError } from '../support/errors.js';
import { isInside, real } from '../support/paths.js';
import { childProcess } from '../support/process.js';
import { repositoryRoot } from './git.js';

/** An output git would not commit, and the rule that excludes it. */
export interface IgnoredFile {
  /** The output, absolute. */
  file: string;
  /** The file holding the rule, absolute: a `.gitignore`, `.git/info/exclude`, or `core.excludesFile`. */
  source: string;
  /** The rule's line in it, from 1. */
  line: number;
  /** The rule as written. */
  pattern: string;
}

/** `.gitignore:70: \`.env.*\``: a rule as messages show it, its file relative to `cwd` unless that climbs more than two levels. */
export function ruleOf(ignored: Pick<IgnoredFile, 'source' | 'line' | 'pattern'>, cwd: string): string {
  const relative = path.relative(cwd, ignored.source);
  const climbs = relative.split(path.sep).filter((part) => part === '..').length;
  const shown = path.isAbsolute(relative) || climbs > 2 ? ignored.source : relative.split(path.sep).join('/');
  return `${shown}:${ignored.line}: \`${ignored.pattern}\``;
}

/**
 * Which of `files` git would not commit: untracked and excluded by an ignore
 * rule (a tracked file is committed whatever the rules say). `git
 * check-ignore -v` names the rule. None outside a git repository, and none for
 * files outside it. `realOf` gives where a file really is (by default, its
 * links resolved one by one).
 */
export function ignoredFiles(cwd: string, files: readonly string[], realOf: (file: string) => string = real): IgnoredFile[] {
  const top = repositoryRoot(cwd);
  if (top === undefined || files.length === 0) return [];
  const root = real(top);
  const byRelative = new Map<string, string>();
  for (const file of files) {
    const absolute = realOf(file);
    if (!isInside(root, absolute) || absolute === root) continue;
    byRelative.set(path.relative(root, absolute).split(path.sep).join('/'), file);
  }
  if (byRelative.size === 0) return [];
  let output: string;
  try {
    output = childProcess().execFileSync('git', ['check-ignore', '--verbose', '-z', '--stdin'], {
      cwd: root,
      input: [...byRelative.keys()].join('\0'),
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    const failure = error as { status?: number; stdout?: string; stderr?: string };
    if (failure.status === 1) return []; // nothing matched
    throw new PortbookError(`git check-ignore failed: ${(failure.stderr ?? String(error)).trim()}`);
  }
  // `<source> NUL <line> NUL <pattern> NUL <path> NUL` per path that matched a rule
  const fields = output.split('\0');
  const ignored: IgnoredFile[] = [];
  for (let i = 0; i + 3 < fields.length; i += 4) {
    const [source, line, pattern, relative] = fields.slice(i, i + 4) as [string, string, string, string];
    const file = byRelative.get(relative);
    // a negation (`!.env.example`) matched: the path is not ignored
    if (file === undefined || pattern.startsWith('!')) continue;
    ignored.push({ file, source: path.resolve(root, source), line: Number(line), pattern });
  }
  return ignored;
}

/** What `unignore` did: the lines it added, by the file it added them to (relative to the repository's top). */
export interface Unignored {
  added: Array<{ gitignore: string; lines: string[] }>;
}

/** A path as a gitignore pattern matches it literally: wildcards, backslashes and trailing spaces escaped. */
function literalPattern(relative: string): string {
  return relative.replace(/[*?[\]\\]/g, '\\$&').replace(/ $/, '\\ ');
}

/**
 * Add a negation line per ignored output (`!/generated/.env`), anchored and
 * literal, so it re-includes exactly portbook's own files and never a
 * neighbour such as `.env.local`. Each goes at the end of the `.gitignore`
 * whose rule excludes it, which makes it the later, winning line; a rule from
 * outside the work tree (`.git/info/exclude`, `core.excludesFile`) gets it in
 * the top `.gitignore`, which takes precedence over both and is committed,
 * so every clone has it. When git would still ignore an output afterwards (a
 * rule excludes a directory above it, and git never looks inside an excluded
 * directory), every file is put back as it was and the error names the rule.
 */
export function unignore(cwd: string, ignored: readonly IgnoredFile[]): Unignored {
  const top = repositoryRoot(cwd);
  if (top === undefined || ignored.length === 0) return { added: [] };
  const root = real(top);
  const lines = new Map<string, string[]>();
  for (const each of ignored) {
    const inTree = path.basename(each.source) === '.gitignore' && isInside(root, real(each.source));
    const gitignore = inTree ? real(each.source) : path.join(root, '.gitignore');
    const relative = path.relative(path.dirname(gitignore), real(each.file)).split(path.sep).join('/');
    const line = `!/${literalPattern(relative)}`;
    const list = lines.get(gitignore) ?? [];
    if (!list.includes(line)) list.push(line);
    lines.set(gitignore, list);
  }
  const before = new Map<string, string | undefined>();
  for (const [gitignore, added] of lines) {
    const text = existsSync(gitignore) ? readFileSync(gitignore, 'utf8') : undefined;
    before.set(gitignore, text);
    const separator = text === undefined || text === '' ? '' : text.endsWith('\n') ? '\n' : '\n\n';
    const block = ['# portbook: its generated files are committed (added by `portbook init --unignore-outputs`)', ...added].join('\n');
    writeFileSync(gitignore, `${text ?? ''}${separator}${block}\n`);
  }
  const still = ignoredFiles(
    root,
    ignored.map((each) => each.file),
  );
  if (still.length > 0) {
    for (const [gitignore, text] of before) {
      if (text === undefined) rmSync(gitignore, { force: true });
      else writeFileSync(gitignore, text);
    }
    const shown = still.map((each) => `${path.relative(cwd, each.file).split(path.sep).join('/')} (${ruleOf(each, cwd)})`).join(', ');
    throw new PortbookError(
      `A negation line cannot re-include ${shown}: the rule excludes a directory above it, and git never looks inside an excluded directory. Narrow that rule (\`dir/*\` instead of \`dir/\`) or move --out; no .gitignore was changed`,
    );
  }
  return {
    added: [...lines].map(([gitignore, added]) => ({ gitignore: path.relative(root, gitignore).split(path.sep).join('/'), lines: added })),
  };
}
