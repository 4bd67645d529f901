/** Running the host's programs for deploy and drift: no shell, output kept, a hang guard, and the scratch directories the checks stage in. */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PortbookError } from '../support/errors.js';
import { childProcess, processAlive } from '../support/process.js';
import { shellWord } from '../support/shell.js';

/** A program that ran, as a person reads it. */
export interface Ran {
  /** The command line, each word quoted as needed. */
  command: string;
  ok: boolean;
  /** What it printed (stdout, then stderr), trimmed; for a failure, how it ended first. */
  output: string;
  /** The program, when it is not there to run at all. */
  missing?: string;
}

/** The command line of `words` as shown. */
export function shown(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}

/** What a program did: its verdict as shown, and its standard output apart (`nginx -T` prints the configuration there). */
export interface Spawned {
  ran: Ran;
  stdout: string;
  stderr: string;
}

/** Run a program (looked up on PATH), without a shell. A hang guard of five minutes; a program that is not there is a failure that says so. */
export function spawnProgram(words: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; show?: readonly string[] } = {}): Spawned {
  const [program, ...args] = words;
  const result = childProcess().spawnSync(program!, args, {
    encoding: 'utf8',
    timeout: 300_000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const command = shown(options.show ?? words);
  const stdout = result.stdout ?? '';
  const stderr = result.stderr ?? '';
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ran: { command, ok: false, output: `${program} was not found on PATH`, missing: program! }, stdout, stderr };
    return { ran: { command, ok: false, output: result.error.message }, stdout, stderr };
  }
  const output = `${stdout}${stderr}`.trim();
  if (result.status === 0) return { ran: { command, ok: true, output }, stdout, stderr };
  const ended = result.signal ? `killed by ${result.signal}` : `exited ${result.status}`;
  return { ran: { command, ok: false, output: output === '' ? ended : `${ended}:\n${output}` }, stdout, stderr };
}

/** The last line of a program's output that says something: what a check that passed is shown with. */
export function lastLine(output: string): string {
  return (
    output
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .at(-1) ?? ''
  );
}

/** `spawnProgram`'s verdict alone. */
export function runProgram(words: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; show?: readonly string[] } = {}): Ran {
  return spawnProgram(words, options).ran;
}

/** A consumer's program: its usual absolute path when that exists (sbin is not always on PATH), else its name; `undefined` when neither is there. */
export function consumer(usual: string): string | undefined {
  if (existsSync(usual)) return usual;
  const name = path.basename(usual);
  const found = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .some((dir) => existsSync(path.join(dir, name)));
  return found ? name : undefined;
}

/** The consumer, or an I/O error (exit 2) saying what to install. */
export function needConsumer(usual: string, what: string, install: string): string {
  const found = consumer(usual);
  if (found === undefined)
    throw new PortbookError(
      `Cannot check ${what}: ${path.basename(usual)} is not installed (${install}); deploy checks candidates with it before replacing anything`,
    );
  return found;
}

/** `.portbook-check-<pid>-XXXXXX`: a scratch directory of this run, named so that a later run can tell a killed run's. */
const scratchPrefix = '.portbook-check-';

/**
 * A check's verdict, unless its program is not there: then an I/O error
 * (exit 2) saying what to do, since a check that never ran is no verdict on
 * the registry.
 */
export function checkVerdict(ran: Ran, what: string): Ran {
  if (ran.missing === undefined) return ran;
  throw new PortbookError(
    `Cannot check ${what}: ${ran.missing} is not installed here; deploy checks candidates with it before replacing anything: install it, or set the check's command in the config's deploy.commands`,
  );
}

/** A fresh scratch directory in `parent`, and the dead runs' ones removed first. */
export function makeScratch(parent: string): string {
  removeDeadScratch(parent);
  try {
    return mkdtempSync(path.join(parent, `${scratchPrefix}${process.pid}-`));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new PortbookError(`Cannot make a scratch directory in ${parent} to check the candidates in (${code}): run portbook as a user who may write there`);
  }
}

/** Remove the scratch directories in `parent` whose run is no longer alive. */
function removeDeadScratch(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = name.startsWith(scratchPrefix) ? Number(/^(\d+)-/.exec(name.slice(scratchPrefix.length))?.[1]) : Number.NaN;
    if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}
