/** Per-command help, "did you mean", and --json failures on stdout. */
import { describe, expect, it } from 'vitest';
import { editDistance, suggestions } from '../src/cli/args.js';
import { type Command, commandNames, commands, globalOptions, options } from '../src/cli/command-table.js';
import { commandHelp, helpText } from '../src/cli/main.js';
import { runCli, temporaryDirs, writeProject } from './helpers.js';

const temporaryDir = temporaryDirs('help');
const project = (): string =>
  writeProject(temporaryDir(), '| Service | Port |\n|---|---|\n| api | 16000 |\n\n## Reserved Port Ranges\n\n- **Primary**: `16000-16001`\n');
/** The words that name `command` on the command line. */
const words = (command: Command): string[] => commands[command].invocation.split(' ');

/** The flags a help text lists as options: `--name` at the start of an option line. */
function listedFlags(help: string): string[] {
  return [...help.matchAll(/^ {2}(?:-\w, )?--([\w-]+)/gm)].map((match) => match[1]!);
}

describe('portbook <command> --help', () => {
  it.each(commandNames)('%s: its usage line, exactly its options, and examples that use it', (command) => {
    const dir = project();
    const help = runCli([...words(command), '--help'], dir);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout.split('\n')[0]).toBe(`Usage: portbook ${commands[command].invocation} ${commands[command].usage}`);
    // the options the parser accepts with it, and no other
    const accepted = options.filter((option) => option.commands[command] !== undefined).map((option) => option.name);
    expect(listedFlags(help.stdout).sort()).toEqual([...accepted, ...globalOptions.map((option) => option.name)].sort());
    const examples = help.stdout.slice(help.stdout.indexOf('\nExamples:\n'));
    expect(examples.match(/^ {2}\S.*$/gm)!.length).toBeGreaterThanOrEqual(1);
    expect(examples).toContain(`portbook ${commands[command].invocation}`);
    // the same text three ways
    expect(runCli(['help', ...words(command)], dir).stdout).toBe(help.stdout);
    expect(runCli(['--help', ...words(command)], dir).stdout).toBe(help.stdout);
    expect(commandHelp(command)).toBe(help.stdout);
  });

  it('hook --help is hook install --help', () => {
    const dir = project();
    expect(runCli(['hook', '--help'], dir).stdout).toBe(commandHelp('hook'));
    expect(runCli(['help', 'hook'], dir).stdout).toBe(commandHelp('hook'));
  });

  it('shows help even when the rest of the line has a mistake in it', () => {
    expect(runCli(['gen', '--dryrun', '--help'], project())).toEqual({ code: 0, stdout: commandHelp('gen'), stderr: '' });
  });

  it('every option a command does not take is refused with the commands it goes with, and its help does not list it', () => {
    const dir = project();
    for (const command of commandNames) {
      const listed = listedFlags(commandHelp(command));
      for (const option of options.filter((each) => each.commands[command] === undefined)) {
        const line = [...words(command), ...(command === 'add' ? ['X'] : []), `--${option.name}`, ...(option.type === 'string' ? [option.example!] : [])];
        const result = runCli(line, dir);
        expect({ line, code: result.code }).toEqual({ line, code: 2 });
        expect(result.stderr).toMatch(new RegExp(`^portbook: \`--${option.name}\` goes with .*${command}`));
        expect(result.stderr).toContain(`Run \`portbook ${commands[command].invocation} --help\``);
        expect(listed).not.toContain(option.name);
      }
    }
  });

  it('the overview lists each command on one line and points at the per-command help', () => {
    const lines = helpText.split('\n');
    for (const command of commandNames) {
      expect(lines.filter((line) => line.startsWith(`  portbook ${commands[command].invocation} `))).toHaveLength(1);
    }
    expect(helpText).toContain('Run `portbook <command> --help`');
    expect(helpText).not.toContain('--dry-run');
    expect(lines.length).toBeLessThan(35);
    expect(runCli(['--help'], project()).stdout).toBe(helpText);
    expect(runCli(['help'], project()).stdout).toBe(helpText);
  });
});

describe('did you mean', () => {
  it('counts a transposition as one edit', () => {
    expect(editDistance('gne', 'gen')).toBe(1);
    expect(editDistance('dryrun', 'dry-run')).toBe(1);
    expect(editDistance('chekc', 'check')).toBe(1);
    expect(editDistance('scan', 'scan')).toBe(0);
    expect(editDistance('abc', '')).toBe(3);
  });

  it('suggests a unique prefix, the nearest within two edits, and nothing for a word that is near nothing', () => {
    const names = [...commandNames, 'help'];
    expect(suggestions('gne', names)).toEqual(['gen']);
    expect(suggestions('fix', names)).toEqual(['fix-encoding']);
    expect(suggestions('f', names)).toEqual(['fill', 'fix-encoding']);
    expect(suggestions('chk', names)).toEqual(['check']);
    expect(suggestions('x', names)).toEqual([]);
    expect(suggestions('frobnicate', names)).toEqual([]);
  });

  it.each([
    [['gne'], 'unknown command `gne`; did you mean `gen`?\n  portbook gen\nRun `portbook gen --help`'],
    [['gne', '--dry-run'], 'unknown command `gne`; did you mean `gen`?\n  portbook gen --dry-run\n'],
    [['chekc'], 'did you mean `check`?\n  portbook check\n'],
    [['nxet', '--json'], 'did you mean `next`?\n  portbook next --json\n'],
    [['hok'], 'did you mean `hook`?\n  portbook hook install\n'],
    [['fix'], 'unknown command `fix`; did you mean `fix-encoding`?\n  portbook fix-encoding\n'],
    [['f'], 'unknown command `f`; did you mean `fill` or `fix-encoding`?\nRun `portbook --help` for the commands.'],
    [['gne', '--version'], 'unknown command `gne`; did you mean `gen`?\n  portbook gen --version\n'],
    [['help', 'gne'], 'unknown command `gne`; did you mean `gen`?\n  portbook help gen\n'],
    [['gen', '--dryrun'], 'unknown option `--dryrun`; did you mean `--dry-run`?\n  portbook gen --dry-run\nRun `portbook gen --help`'],
    [['gen', '--dry'], 'unknown option `--dry`; did you mean `--dry-run`?\n  portbook gen --dry-run\n'],
    [['gen', '--sourse=x.md'], 'unknown option `--sourse`; did you mean `--source`?\n  portbook gen --source=x.md\n'],
    [['gen', '-f'], 'unknown option `-f`; did you mean `--force`?\n  portbook gen --force\n'],
    [['scan', '--stric'], 'unknown option `--stric`; did you mean `--strict`?\n  portbook scan --strict\n'],
    [
      ['check', '--dryrun'],
      "unknown option `--dryrun`; `--dry-run` goes with gen, not check; check's options are --json, --no-cache, --source, --out, --templates, --config\n",
    ],
    [['add', 'X', '--protcol', 'HTTP'], 'unknown option `--protcol`; did you mean `--protocol`?\n  portbook add X --protocol HTTP\n'],
    [['next', '--env', 'productoin'], 'did you mean `production`?\n  portbook next --env production\n'],
    [
      ['next', '--env', 'prdo'],
      'unknown --env `prdo`; expected development, staging, production, test or default; did you mean `prod`?\n  portbook next --env prod\n',
    ],
  ])('%j', (args, expected) => {
    const result = runCli(args, project());
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain(expected);
  });
});

describe('--json failures', () => {
  it('next --json prints {"error": {message, exitCode}} on stdout and exits with that code', () => {
    const dir = project();
    // the range has two ports: fill them
    const full = writeProject(
      temporaryDir(),
      '| Service | Port |\n|---|---|\n| api | 16000 |\n| web | 16001 |\n\n## Reserved Port Ranges\n\n- **Primary**: `16000-16001`\n',
    );
    const result = runCli(['next', '--json'], full);
    expect(result.code).toBe(1);
    const answer = JSON.parse(result.stdout) as { error: { message: string; exitCode: number } };
    expect(answer).toEqual({ error: { message: expect.stringContaining('No free port left in Primary (16000-16001)'), exitCode: 1 } });
    expect(result.stderr).toBe(`portbook: ${answer.error.message}\n`);

    const unknownRange = runCli(['next', '--json', '--range', 'nope'], dir);
    expect(unknownRange.code).toBe(2);
    expect(JSON.parse(unknownRange.stdout)).toEqual({ error: { message: 'No reserved range named "nope"; declared: Primary', exitCode: 2 } });

    const usage = runCli(['next', '--json', '--env', 'moon'], dir);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout).error.message).toMatch(/^unknown --env `moon`/);
  });

  it('scan --json prints the error object too, and a command without --json keeps stdout empty', () => {
    const dir = project();
    const missing = runCli(['scan', '--json', '--source', 'nope.md'], dir);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toEqual({
      error: {
        message:
          'Cannot read nope.md: no such file, but the project has docs/PORTS.md: point --source at it (`--source docs/PORTS.md`), or set "source" in portbook.config.json',
        exitCode: 2,
      },
    });
    expect(runCli(['scan', '--source', 'nope.md'], dir)).toMatchObject({ code: 2, stdout: '' });
  });

  it('gen --json and check --json answer on stdout when they fail too', () => {
    const dir = project();
    for (const command of ['gen', 'check']) {
      const result = runCli([command, '--json', '--templates', 'nope'], dir);
      expect(result.code).toBe(2);
      expect(JSON.parse(result.stdout)).toEqual({ error: { message: 'Cannot read templates directory nope: no such directory', exitCode: 2 } });
    }
  });
});
