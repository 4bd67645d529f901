import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandNames, globalOptions, options } from '../src/cli/command-table.js';
import { commandHelp, helpText } from '../src/cli/main.js';
import { check } from '../src/index.js';

const root = new URL('..', import.meta.url).pathname;
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const commandsPage = readFileSync(new URL('../docs/commands.md', import.meta.url), 'utf8');

describe('the repository itself', () => {
  it('has generated/ exactly as gen renders docs/PORTS.md', () => {
    const result = check({ cwd: root });
    expect(result.diagnostics.map((message) => message.reason)).toEqual([]);
    expect(result.plan!.changes.map((change) => `${change.kind} ${change.path}`)).toEqual([]);
    expect(result.plan!.unchanged.length).toBeGreaterThan(10);
  });

  it('opens its README with the two set-up commands', () => {
    const block = /^# portbook\n\n```sh\n([^`]*)```/.exec(readme)?.[1] ?? '';
    expect(
      block
        .trim()
        .split('\n')
        .map((line) => line.replace(/\s+#.*$/, '')),
    ).toEqual(['npm ci && npm run gen', 'npm test']);
  });

  it('documents every command and option of --help in the README and docs/commands.md, which the README links to', () => {
    const help = [helpText, ...commandNames.map(commandHelp)].join('\n');
    expect(readme).toContain('](docs/commands.md');
    for (const word of [
      'portbook gen',
      'portbook check',
      'portbook fix-encoding',
      'portbook init',
      'portbook hook install',
      'portbook pre-commit',
      'portbook next',
      'portbook scan',
      'portbook add',
      'portbook fill',
      'portbook deploy',
      'portbook drift',
      '--root',
      '--plan',
      '--protocol',
      '--port',
      '--description',
      '--env',
      '--range',
      '--source',
      '--out',
      '--templates',
      '--config',
      '--dry-run',
      '--force',
      '--stage',
      '--watch',
      '--manager',
      '--json',
    ]) {
      expect(help).toContain(word);
      expect(commandsPage).toContain(word);
      if (word.startsWith('portbook ')) expect(readme).toContain(word);
    }
  });

  it('documents every option of the command table in docs/commands.md', () => {
    for (const option of [...options, ...globalOptions]) expect(commandsPage).toMatch(new RegExp(`--${option.name}(?![a-z-])`));
  });
});
