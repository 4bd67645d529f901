import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, temporaryDirs } from './helpers.js';

const temporaryDir = temporaryDirs('init');

/** An npm project (package.json with a script of its own), optionally a git repository. */
function npmProject(options: { git?: boolean; gen?: string } = {}): string {
  const dir = temporaryDir();
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'app', scripts: options.gen ? { gen: options.gen } : {} }, null, 2)}\n`);
  if (options.git) spawnSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}

const read = (dir: string, file: string): string => readFileSync(path.join(dir, file), 'utf8');

/** A user's own registry, which init must keep. */
const billing = '| Service | Port | Protocol |\n|---|---|---|\n| Billing | 16500 | HTTP |\n';

describe('portbook init', () => {
  it('keeps an existing registry, even with --force, which replaces only the config and the gen script', () => {
    const dir = npmProject({ gen: 'make gen' });
    mkdirSync(path.join(dir, 'docs'));
    const mine = billing;
    writeFileSync(path.join(dir, 'docs/PORTS.md'), mine);
    writeFileSync(path.join(dir, 'portbook.config.json'), '{ "out": "generated" }\n');

    const first = runCli(['init'], dir);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('kept docs/PORTS.md (your registry: init never replaces it)\n');
    expect(first.stdout).toContain('kept package.json scripts.gen (it exists; `portbook init --force` replaces it)\n');
    expect(first.stderr).toBe('portbook: no pre-commit hook: not a git repository: run `git init`, then `portbook hook install`\n');

    const forced = runCli(['init', '--force'], dir);
    expect(forced.code).toBe(0);
    expect(read(dir, 'docs/PORTS.md')).toBe(mine);
    expect(forced.stdout).toContain('kept docs/PORTS.md (your registry: init never replaces it)\n');
    expect(forced.stdout).toContain('replaced portbook.config.json (keeping its source and out)\n');
    expect(forced.stdout).toContain('replaced "gen": "portbook gen" in package.json scripts\n');
    expect(JSON.parse(read(dir, 'package.json')).scripts.gen).toBe('portbook gen');
    expect(read(dir, 'generated/.env')).toContain('BILLING_PORT=16500');
  });

  it('takes the registry a kept config names, and --force keeps its source and out', () => {
    const dir = npmProject();
    const mine = billing;
    writeFileSync(path.join(dir, 'PORTS.md'), mine);
    writeFileSync(path.join(dir, 'portbook.config.json'), '{ "source": "PORTS.md", "out": "out" }\n');
    const first = runCli(['init'], dir);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('kept PORTS.md (your registry: init never replaces it)\n');
    expect(existsSync(path.join(dir, 'docs'))).toBe(false);
    const forced = runCli(['init', '--force'], dir);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('replaced portbook.config.json (keeping its source and out)\n');
    expect(JSON.parse(read(dir, 'portbook.config.json'))).toMatchObject({ source: 'PORTS.md', out: 'out' });
    expect(read(dir, 'PORTS.md')).toBe(mine);
    expect(read(dir, 'out/.env')).toContain('BILLING_PORT=16500');
  });

  it('--force keeps source and out as the old config wrote them (".", absolute paths)', () => {
    const dir = npmProject();
    const shared = path.join(temporaryDir(), 'PORTS.md');
    writeFileSync(shared, billing);
    writeFileSync(path.join(dir, 'portbook.config.json'), `${JSON.stringify({ source: shared, out: '.' })}\n`);
    const forced = runCli(['init', '--force'], dir);
    expect(forced).toMatchObject({ code: 0 });
    expect(JSON.parse(read(dir, 'portbook.config.json'))).toMatchObject({ source: shared, out: '.' });
    expect(read(dir, '.env')).toContain('BILLING_PORT=16500');
  });

  it("writes the environment settings use and its selector variable into a new config, from the registry's environments", () => {
    const example = npmProject();
    expect(runCli(['init'], example).code).toBe(0);
    expect(JSON.parse(read(example, 'portbook.config.json')).settings).toEqual({ environment: 'development', environmentVariable: 'PORTBOOK_ENV' });
    expect(read(example, 'generated/settings.py')).toContain('environment: str = _os.environ.get("PORTBOOK_ENV", "development")');

    // a registry of its own: its default environment, named as such
    const own = npmProject();
    mkdirSync(path.join(own, 'docs'));
    writeFileSync(path.join(own, 'docs/PORTS.md'), `${billing}\n## Production\n\n| Service | Port |\n|---|---|\n| Billing | 16600 |\n`);
    const result = runCli(['init'], own);
    expect(result.stdout).toContain(
      "created portbook.config.json (settings.ts and settings.py: the default environment's values, unless PORTBOOK_ENV names another, such as production)\n",
    );
    expect(JSON.parse(read(own, 'portbook.config.json')).settings).toEqual({ environment: 'default', environmentVariable: 'PORTBOOK_ENV' });
  });

  it('names the targets it leaves off, the host-facing ones among them, and where to turn them on', () => {
    const dir = npmProject();
    const result = runCli(['init'], dir);
    expect(result.code).toBe(0);
    const line = result.stdout.split('\n').find((each) => each.startsWith('Off until'));
    expect(line).toMatch(/^Off until "targets" in portbook\.config\.json names them: json, (.*, )?nftables, ufw, sysctl(, .*)?\.$/);
    expect(JSON.parse(read(dir, 'portbook.config.json')).targets).not.toContain('nftables');
  });

  it('--force keeps the settings an old config wrote, and writes out what it left to the defaults', () => {
    const dir = npmProject();
    mkdirSync(path.join(dir, 'docs'));
    writeFileSync(path.join(dir, 'docs/PORTS.md'), billing);
    writeFileSync(path.join(dir, 'portbook.config.json'), '{ "settings": { "environmentVariable": "APP_ENV", "paths": { "py": "config/settings.py" } } }\n');
    const forced = runCli(['init', '--force'], dir);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('replaced portbook.config.json (keeping its source, out and settings)\n');
    expect(JSON.parse(read(dir, 'portbook.config.json')).settings).toEqual({
      environment: 'default',
      environmentVariable: 'APP_ENV',
      paths: { py: 'config/settings.py' },
    });
    expect(read(dir, 'generated/config/settings.py')).toContain('environment: str = _os.environ.get("APP_ENV", "default")');
  });

  it('a hook that fails part-way is an error, not a skipped hook', () => {
    const dir = npmProject({ git: true });
    writeFileSync(path.join(dir, '.git/config.lock'), '');
    const result = runCli(['init'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^portbook: git config failed: .*lock.*\n\(init had already done this: created docs\/PORTS\.md .*generated \d+ files in generated\/\)\n$/s,
    );
  });

  it('a file system error is one line with what was done, never a stack trace', () => {
    const dir = npmProject();
    mkdirSync(path.join(dir, 'portbook.config.json'));
    const result = runCli(['init', '--force'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^portbook: Cannot open .*portbook\.config\.json: EISDIR\n\(init had already done this: created docs\/PORTS\.md/);
  });

  it('--force never overwrites an output edited by hand (that is gen --force)', () => {
    const dir = npmProject();
    expect(runCli(['init'], dir).code).toBe(0);
    const env = path.join(dir, 'generated/.env.development');
    const edited = read(dir, 'generated/.env.development').replace(/=\d+/, '=1');
    writeFileSync(env, edited);
    const forced = runCli(['init', '--force'], dir);
    expect(forced.code).toBe(1);
    expect(forced.stderr).toContain('generated/.env.development was edited by hand');
    expect(read(dir, 'generated/.env.development')).toBe(edited);
  });

  it('checks a config it keeps before it changes anything', () => {
    const dir = npmProject();
    writeFileSync(path.join(dir, 'portbook.config.json'), 'junk\n');
    const result = runCli(['init'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^portbook: .*portbook\.config\.json.*JSON/);
    expect(existsSync(path.join(dir, 'docs'))).toBe(false);
    expect(JSON.parse(read(dir, 'package.json')).scripts).toEqual({});
  });

  it('finishes everything but a hook it cannot wire, and prints the lines to add', () => {
    const dir = npmProject({ git: true });
    writeFileSync(path.join(dir, 'lefthook.yml'), 'pre-commit:\n  commands:\n    lint:\n      run: npm run lint\n');
    const result = runCli(['init'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('created docs/PORTS.md');
    expect(result.stdout).toMatch(/generated \d+ files in generated\//);
    expect(result.stderr).toContain('portbook: no pre-commit hook: lefthook.yml already has a pre-commit section; add this command to it:');
    expect(read(dir, 'lefthook.yml')).toBe('pre-commit:\n  commands:\n    lint:\n      run: npm run lint\n');
  });

  it('says what it had already done when a later step fails', () => {
    const dir = npmProject();
    writeFileSync(path.join(dir, 'generated'), 'a file where the outputs go\n');
    const result = runCli(['init'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /\n\(init had already done this: created docs\/PORTS\.md \(an example registry: edit it to list your services\); created portbook\.config\.json \(settings\.ts and settings\.py: the development environment's values, unless PORTBOOK_ENV names another, such as production\); added "gen": "portbook gen" to package\.json scripts\)\n$/,
    );
  });

  it('hook install --manager husky in a project without husky says how to set husky up', () => {
    const dir = npmProject({ git: true });
    const bare = runCli(['hook', 'install', '--manager', 'husky'], dir);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toContain('husky is not in package.json, so nothing runs that file yet: `npm install --save-dev husky');
    expect(read(dir, '.husky/pre-commit')).toContain('portbook pre-commit');

    writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'app', devDependencies: { husky: '^9.0.0' } }, null, 2)}\n`);
    rmSync(path.join(dir, '.husky'), { recursive: true });
    const result = runCli(['hook', 'install', '--manager', 'husky'], dir);
    expect(result.stdout).toContain('husky runs it for everyone who runs `npm install`');
  });

  it('hook install --manager githooks refuses to fight husky over core.hooksPath', () => {
    const dir = npmProject({ git: true });
    writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'app', scripts: { prepare: 'husky' } }, null, 2)}\n`);
    const result = runCli(['hook', 'install', '--manager', 'githooks'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('runs husky, which sets core.hooksPath itself');
    expect(existsSync(path.join(dir, '.githooks'))).toBe(false);
    expect(JSON.parse(read(dir, 'package.json')).scripts.prepare).toBe('husky');

    // a script that only names a file with husky in it is no husky
    writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'app', scripts: { prepare: 'node strip-husky-config.js' } }, null, 2)}\n`);
    expect(runCli(['hook', 'install', '--manager', 'githooks'], dir).code).toBe(0);
    expect(JSON.parse(read(dir, 'package.json')).scripts.prepare).toBe('node strip-husky-config.js && git config core.hooksPath .githooks || true');
  });
});
