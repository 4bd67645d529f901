/**
 * Outputs git would not commit. test/fixtures/gitignore/Node.gitignore is
 * GitHub's Node template as it is (github/gitignore, Node.gitignore at commit
 * dcc0fc7bc2b5ba480cf117ad1be31bafceeaff46; CC0): its lines 69 and 70 are
 * `.env` and `.env.*`, and line 71 re-includes `.env.example`. Everything runs
 * real git in throwaway repositories.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ignoredFiles, unignore } from '../src/git/ignored.js';
import { runCli, temporaryDirs } from './helpers.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(repo, 'bin/portbook.cjs');
const nodeGitignore = readFileSync(path.join(repo, 'test/fixtures/gitignore/Node.gitignore'), 'utf8');
const temporaryDir = temporaryDirs('ignored');

/** No git state of whatever runs the tests, a known author, no global or system ignore file. */
const gitEnvironment: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(GIT_|npm_)/i.test(key) && key !== 'CI')),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'portbook test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'portbook test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', env: gitEnvironment });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** A git repository with `.gitignore` as given (GitHub's Node template unless told; none for null) and a package.json. */
function repository(gitignore: string | null = nodeGitignore): string {
  const dir = temporaryDir();
  git(dir, 'init', '-q');
  if (gitignore !== null) writeFileSync(path.join(dir, '.gitignore'), gitignore);
  writeFileSync(path.join(dir, 'package.json'), '{ "name": "app" }\n');
  return dir;
}

const at = (dir: string, ...files: string[]): string[] => files.map((file) => path.join(dir, file));

describe('ignoredFiles: untracked outputs an ignore rule excludes, with the rule', () => {
  it('names the file, line and pattern of the rule; a negated or unmatched path is not ignored', () => {
    const dir = repository();
    const files = at(dir, 'generated/.env', 'generated/.env.production', 'generated/.env.example', 'generated/settings.py');
    expect(ignoredFiles(dir, files)).toEqual([
      { file: files[0], source: path.join(dir, '.gitignore'), line: 69, pattern: '.env' },
      { file: files[1], source: path.join(dir, '.gitignore'), line: 70, pattern: '.env.*' },
    ]);
  });

  it('a tracked file is committed whatever the rules say: not reported', () => {
    const dir = repository();
    mkdirSync(path.join(dir, 'generated'));
    writeFileSync(path.join(dir, 'generated/.env'), 'A_PORT=1\n');
    git(dir, 'add', '-f', 'generated/.env');
    expect(ignoredFiles(dir, at(dir, 'generated/.env', 'generated/.env.production')).map((each) => each.pattern)).toEqual(['.env.*']);
  });

  it('rules of .git/info/exclude and nested .gitignore files count; a directory rule is named for the files in it', () => {
    const dir = repository('');
    writeFileSync(path.join(dir, '.git/info/exclude'), '*.py\n');
    mkdirSync(path.join(dir, 'generated/nginx'), { recursive: true });
    writeFileSync(path.join(dir, 'generated/.gitignore'), '# mine\n*.ts\n');
    writeFileSync(path.join(dir, '.gitignore'), 'systemd/\n');
    const found = ignoredFiles(dir, at(dir, 'generated/settings.py', 'generated/settings.ts', 'generated/systemd/a.service.d/portbook.conf'));
    expect(found.map(({ source, line, pattern }) => [path.relative(dir, source), line, pattern])).toEqual([
      ['.git/info/exclude', 1, '*.py'],
      ['generated/.gitignore', 2, '*.ts'],
      ['.gitignore', 1, 'systemd/'],
    ]);
  });

  it('outside a repository, or for files outside it, there is nothing to report', () => {
    const plain = temporaryDir();
    writeFileSync(path.join(plain, '.gitignore'), '.env\n');
    expect(ignoredFiles(plain, at(plain, '.env'))).toEqual([]);
    const dir = repository();
    expect(ignoredFiles(dir, at(temporaryDir(), '.env'))).toEqual([]);
  });
});

describe('unignore: a negation line per output, where it wins', () => {
  it('appends anchored, literal lines to the .gitignore that holds the rule; git then commits exactly those files', () => {
    const dir = repository();
    const files = at(dir, 'generated/.env', 'generated/.env.production');
    expect(unignore(dir, ignoredFiles(dir, files))).toEqual({
      added: [{ gitignore: '.gitignore', lines: ['!/generated/.env', '!/generated/.env.production'] }],
    });
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe(
      `${nodeGitignore}\n# portbook: its generated files are committed (added by \`portbook init --unignore-outputs\`)\n!/generated/.env\n!/generated/.env.production\n`,
    );
    expect(ignoredFiles(dir, files)).toEqual([]);
    // a neighbour with secrets stays ignored, even with the outputs in the project root
    expect(ignoredFiles(dir, at(dir, 'generated/.env.local', '.env'))).toHaveLength(2);
  });

  it('a rule from .git/info/exclude gets its line in the top .gitignore (created), a nested rule in its own file', () => {
    const dir = repository(null);
    writeFileSync(path.join(dir, '.git/info/exclude'), '.env*\n');
    mkdirSync(path.join(dir, 'out'));
    writeFileSync(path.join(dir, 'out/.gitignore'), '*.py');
    const result = unignore(dir, ignoredFiles(dir, at(dir, 'out/.env', 'out/settings.py')));
    expect(result.added).toEqual([
      { gitignore: '.gitignore', lines: ['!/out/.env'] },
      { gitignore: 'out/.gitignore', lines: ['!/settings.py'] },
    ]);
    expect(readFileSync(path.join(dir, 'out/.gitignore'), 'utf8')).toBe(
      '*.py\n\n# portbook: its generated files are committed (added by `portbook init --unignore-outputs`)\n!/settings.py\n',
    );
    expect(ignoredFiles(dir, at(dir, 'out/.env', 'out/settings.py'))).toEqual([]);
  });

  it('refuses, changing nothing, when a rule excludes a directory above an output (git never looks inside it)', () => {
    const dir = repository('generated/\n');
    mkdirSync(path.join(dir, 'generated'));
    writeFileSync(path.join(dir, 'generated/.gitignore'), '.env\n');
    const ignored = ignoredFiles(dir, at(dir, 'generated/.env', 'generated/nginx/portbook.conf'));
    expect(() => unignore(dir, ignored)).toThrow(
      'A negation line cannot re-include generated/.env (.gitignore:1: `generated/`), generated/nginx/portbook.conf (.gitignore:1: `generated/`): the rule excludes a directory above it',
    );
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe('generated/\n');
    expect(readFileSync(path.join(dir, 'generated/.gitignore'), 'utf8')).toBe('.env\n');
  });
});

/** A project whose .gitignore is GitHub's Node template, and portbook's bin where the hook's `npx --no-install portbook` finds it. */
function nodeProject(): string {
  const dir = repository();
  mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true });
  symlinkSync(bin, path.join(dir, 'node_modules/.bin/portbook'));
  return dir;
}

const portbook = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: gitEnvironment });

const ignoredReport = [
  'portbook: git ignores 2 outputs, so they are never committed, and `portbook check` fails in CI and every other clone:',
  '  generated/.env.development (.gitignore:70: `.env.*`)',
  '  generated/.env.production (.gitignore:70: `.env.*`)',
  'Run `portbook init --unignore-outputs` to add a negation line for each to .gitignore (it keeps everything else), or change those rules.',
  '',
].join('\n');

describe('init, gen and check name the outputs git ignores', () => {
  it('init reports them with their rule, and --unignore-outputs fixes it', () => {
    const dir = nodeProject();
    const first = runCli(['init'], dir);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe(ignoredReport);
    expect(first.stdout).toContain(
      "created portbook.config.json (settings.ts and settings.py: the development environment's values, unless PORTBOOK_ENV names another, such as production)\n",
    );
    const fixed = runCli(['init', '--unignore-outputs'], dir);
    expect(fixed).toMatchObject({ code: 0, stderr: '' });
    expect(fixed.stdout).toContain(
      'added `!/generated/.env.development`, `!/generated/.env.production` to .gitignore: git ignored these outputs (.gitignore:70: `.env.*`) and would never have committed them\n',
    );
    // once is enough
    expect(runCli(['init', '--unignore-outputs'], dir).stdout).not.toContain('added `!');
  });

  it('init --unignore-outputs that cannot fix them says why, exits 1, and still wires the hook', () => {
    const dir = nodeProject();
    writeFileSync(path.join(dir, '.gitignore'), `${nodeGitignore}generated/\n`);
    const result = runCli(['init', '--unignore-outputs'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'portbook: --unignore-outputs: A negation line cannot re-include generated/.env.development (.gitignore:144: `generated/`)',
    );
    expect(result.stdout).toContain('wired the pre-commit hook');
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe(`${nodeGitignore}generated/\n`);
  });

  it('gen warns after writing them; check warns when they are up to date here, and its advice names the rule when they are missing', () => {
    const dir = nodeProject();
    expect(runCli(['init'], dir).code).toBe(0);
    const gen = runCli(['gen'], dir);
    expect(gen).toMatchObject({ code: 0, stderr: ignoredReport });
    const fresh = runCli(['check'], dir);
    expect(fresh).toEqual({ code: 0, stdout: 'generated/ is up to date.\n', stderr: ignoredReport });
    // as a fresh clone has it: the ignored files missing
    for (const file of ['generated/.env.development', 'generated/.env.production']) spawnSync('rm', [path.join(dir, file)]);
    const missing = runCli(['check'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(
      '2 files out of date in generated/. Run `npm run gen` (or `portbook gen`) and commit the result; but git ignores generated/.env.development, generated/.env.production, so no commit can contain them: first change the rule that ignores them (.gitignore:70: `.env.*`), or run `portbook init --unignore-outputs`, which adds a negation line for each output after the rule.\n',
    );
    expect(missing.stderr).toBe('');
    const json = JSON.parse(runCli(['check', '--json'], dir).stdout) as { ignored: unknown[] };
    expect(json.ignored).toEqual([
      { path: 'generated/.env.development', rule: { file: '.gitignore', line: 70, pattern: '.env.*' } },
      { path: 'generated/.env.production', rule: { file: '.gitignore', line: 70, pattern: '.env.*' } },
    ]);
  });

  it('end to end: with GitHub’s Node .gitignore, init --unignore-outputs, then the next commit holds the outputs and check passes in a fresh clone', () => {
    const dir = nodeProject();
    const init = portbook(dir, 'init', '--unignore-outputs');
    expect(init.status, init.stderr).toBe(0);
    git(dir, 'add', '-A');
    // the commit runs the hook init wired (npx --no-install portbook pre-commit)
    git(dir, 'commit', '-q', '-m', 'Add the port registry');
    const committed = git(dir, 'show', '--name-only', '--format=', 'HEAD').split('\n');
    expect(committed).toEqual(
      expect.arrayContaining(['.gitignore', 'generated/.env.development', 'generated/.env.production', 'generated/.portbook-manifest.json']),
    );
    expect(git(dir, 'status', '--porcelain')).toBe('');
    const clone = path.join(temporaryDir(), 'clone');
    git(path.dirname(clone), 'clone', '-q', dir, clone);
    expect(existsSync(path.join(clone, 'generated/.env.production'))).toBe(true);
    const check = portbook(clone, 'check');
    expect({ status: check.status, stdout: check.stdout, stderr: check.stderr }).toEqual({ status: 0, stdout: 'generated/ is up to date.\n', stderr: '' });
  });

  it('end to end, without the fix: the clone misses them, and check names the rule to change', () => {
    const dir = nodeProject();
    expect(portbook(dir, 'init').status).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'Add the port registry');
    const clone = path.join(temporaryDir(), 'clone');
    git(path.dirname(clone), 'clone', '-q', dir, clone);
    const check = portbook(clone, 'check');
    expect(check.status).toBe(1);
    expect(check.stdout).toMatch(/^missing: generated\/\.env\.development /m);
    expect(check.stdout).toContain('first change the rule that ignores them (.gitignore:70: `.env.*`)');
    expect(check.stdout).not.toMatch(/and commit the result\.\n$/);
  });
});
