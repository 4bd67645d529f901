import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderOptionsFrom } from '../src/config/load.js';
import { detectHookManager } from '../src/git/hooks.js';
import { generate } from '../src/index.js';
import { temporaryDirs, writeProject } from './helpers.js';

const temporaryDir = temporaryDirs('deploy');

/** A project with one HTTP service and the given `commands` config. */
function project(commands: unknown): string {
  const dir = writeProject(temporaryDir(), '| Service | Port |\n|---|---|\n| api | 16000 |\n');
  writeFileSync(path.join(dir, 'portbook.config.json'), JSON.stringify({ commands }));
  return dir;
}

const editPort = (dir: string, port: number): void => writeFileSync(path.join(dir, 'docs/PORTS.md'), `| Service | Port |\n|---|---|\n| api | ${port} |\n`);

describe('validate before replace, reload after', () => {
  it('a failing validation writes nothing and says what the validator said', () => {
    const dir = project({ env: { validate: 'echo "bad candidate: $(cat {files})" >&2; exit 3' } });
    expect(() => generate({ cwd: dir })).toThrow(
      /validation of env failed: `[^`]*` exited 3:\nbad candidate: [\s\S]*API_PORT=16000[\s\S]*Nothing was written; the old files are in place\./,
    );
    expect(existsSync(path.join(dir, 'generated'))).toBe(false);
  });

  it('a passing validation sees every candidate in the staging directory, and reload runs once per change', () => {
    const dir = project({
      env: { validate: 'test -s {file} && grep -q API_PORT {file}', reload: 'echo env >> reload.log' },
      nginx: { validate: 'grep -q "include" {wrapper} && ls {dir}/nginx > /dev/null', reload: 'echo nginx >> reload.log' },
      systemd: { reload: 'echo systemd >> reload.log' },
    });
    const first = generate({ cwd: dir });
    expect(first.commands.map((ran) => `${ran.kind} ${ran.target}`)).toEqual([
      'validate env',
      'validate nginx',
      'reload env',
      'reload nginx',
      'reload systemd',
    ]);
    expect(readFileSync(path.join(dir, 'reload.log'), 'utf8')).toBe('env\nnginx\nsystemd\n');
    expect(generate({ cwd: dir }).commands).toEqual([]);
    editPort(dir, 16001);
    expect(
      generate({ cwd: dir })
        .commands.filter((ran) => ran.kind === 'reload')
        .map((ran) => ran.target),
    ).toEqual(['env', 'nginx', 'systemd']);
    expect(readFileSync(path.join(dir, 'reload.log'), 'utf8').split('\n').filter(Boolean)).toHaveLength(6);
  });

  it('a removed file reloads the target that wrote it (the manifest records whose each file is)', () => {
    const dir = writeProject(temporaryDir(), '| Service | Port |\n|---|---|\n| api | 16000 |\n| worker | 16001 |\n');
    writeFileSync(
      path.join(dir, 'portbook.config.json'),
      JSON.stringify({ targets: ['systemd'], commands: { systemd: { reload: 'echo systemd >> reload.log' } } }),
    );
    generate({ cwd: dir });
    expect(readFileSync(path.join(dir, 'generated/.portbook-manifest.json'), 'utf8')).toContain('"systemd/worker.service.d/portbook.conf": "systemd"');
    writeFileSync(path.join(dir, 'docs/PORTS.md'), '| Service | Port |\n|---|---|\n| api | 16000 |\n');
    const removed = generate({ cwd: dir });
    expect(removed.plan!.changes.filter((change) => change.kind === 'remove').map((change) => [change.path, change.target])).toEqual([
      ['systemd/worker.service.d/portbook.conf', 'systemd'],
    ]);
    expect(removed.commands.map((ran) => `${ran.kind} ${ran.target}`)).toEqual(['reload systemd']);
    expect(readFileSync(path.join(dir, 'reload.log'), 'utf8')).toBe('systemd\nsystemd\n');
  });

  it('a failed reload is reported after the files were written', () => {
    const dir = project({ env: { reload: 'exit 1' } });
    expect(() => generate({ cwd: dir })).toThrow(/the files were written, but reloading env failed/);
    expect(readFileSync(path.join(dir, 'generated/.env'), 'utf8')).toContain('API_PORT=16000');
  });

  it('names its staging directory with its process id, and removes those of killed runs, only those', () => {
    const tmp = temporaryDir();
    const dir = project({ env: { validate: 'echo {dir} > staged.txt' } });
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const dead = path.join(tmp, 'portbook-candidates-999999999-AbC123');
      mkdirSync(path.join(dead, 'nginx'), { recursive: true });
      writeFileSync(path.join(dead, 'nginx', 'portbook.conf'), 'half');
      const kept = ['portbook-candidates-999999999-AbC12', `portbook-candidates-${process.ppid}-AbC123`, 'portbook-candidates-XyZ789', 'other'];
      for (const name of kept) mkdirSync(path.join(tmp, name));
      generate({ cwd: dir });
      expect(readFileSync(path.join(dir, 'staged.txt'), 'utf8').trim()).toMatch(new RegExp(`/portbook-candidates-${process.pid}-[A-Za-z0-9]{6}$`));
      expect(readdirSync(tmp).sort()).toEqual(kept.sort());
      // without a validate command no run makes them, and gen does not look
      mkdirSync(dead);
      writeFileSync(path.join(dir, 'portbook.config.json'), JSON.stringify({ commands: { env: { reload: 'true' } } }));
      generate({ cwd: dir });
      expect(existsSync(dead)).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
  });

  it('dry runs and check run no command', () => {
    const dir = project({ env: { validate: 'exit 1', reload: 'exit 1' } });
    expect(generate({ cwd: dir, dryRun: true }).commands).toEqual([]);
  });
});

describe('the commands setting', () => {
  it('accepts validate and reload per known target, and nothing else', () => {
    expect(renderOptionsFrom({ commands: { nginx: { validate: 'nginx -t -c {wrapper}' } } }, 'c.json').commands).toEqual({
      nginx: { validate: 'nginx -t -c {wrapper}' },
    });
    expect(() => renderOptionsFrom({ commands: { apache: { reload: 'x' } } }, 'c.json')).toThrow(
      /unknown setting `commands\.apache`; known: env, settings\.ts, settings\.py, nginx, systemd/,
    );
    expect(() => renderOptionsFrom({ commands: { nginx: { restart: 'x' } } }, 'c.json')).toThrow(/unknown setting `commands\.nginx\.restart`/);
    expect(() => renderOptionsFrom({ commands: { nginx: { reload: '' } } }, 'c.json')).toThrow(/must be a non-empty string/);
  });
});

describe('hook managers', () => {
  it('are detected from the repository', () => {
    const dir = temporaryDir();
    writeFileSync(path.join(dir, 'package.json'), '{}');
    expect(detectHookManager(dir)).toBe('githooks');
    writeFileSync(path.join(dir, 'package.json'), '{"simple-git-hooks": {}}');
    expect(detectHookManager(dir)).toBe('simple-git-hooks');
    writeFileSync(path.join(dir, 'lefthook.yml'), '');
    expect(detectHookManager(dir)).toBe('lefthook');
    mkdirSync(path.join(dir, '.husky'));
    expect(detectHookManager(dir)).toBe('husky');
  });
});
