/**
 * The CLI tests run bin/portbook.cjs, which loads dist/ and dist/bundle/, and
 * the kill test's child and the end-to-end test's `npm pack` use dist/ too:
 * build them once per run, before any test file starts.
 *
 * Skipped when every output is newer than everything it is built from, and
 * done under a lock: a second run of the suite in the same checkout (the way
 * to load a machine while measuring) must not rewrite dist/ while the first
 * run's tests read it. The second run waits for the first one's build, then
 * finds dist/ fresh.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const at = (relative: string): string => path.join(repo, relative);

/** Every file under `dir` (relative to the repository), recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(at(dir))) return [];
  return readdirSync(at(dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(relative) : [relative];
  });
}

const modified = (relative: string): number => statSync(at(relative)).mtimeMs;

/** Why dist/ must be built, or undefined when it is newer than all of its inputs. */
function staleness(): string | undefined {
  const sources = filesUnder('src').filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  const inputs = [
    ...sources,
    ...filesUnder('templates'),
    'scripts/bundle.mjs',
    'tsconfig.json',
    'package.json',
    'package-lock.json',
    'node_modules/.package-lock.json',
  ].filter((file) => existsSync(at(file)));
  const outputs = [
    'dist/bundle/cli.cjs',
    'dist/bundle/loader.cjs',
    'dist/bundle/fast.cjs',
    'dist/bundle/compiler.cjs',
    'dist/bundle/diff.cjs',
    ...sources.map((file) => file.replace(/^src/, 'dist').replace(/\.ts$/, '.js')),
  ];
  const missing = outputs.find((file) => !existsSync(at(file)));
  if (missing) return `${missing} is missing`;
  const newestInput = inputs.reduce((newest, file) => (modified(file) > modified(newest) ? file : newest));
  const oldestOutput = outputs.reduce((oldest, file) => (modified(file) < modified(oldest) ? file : oldest));
  return modified(newestInput) > modified(oldestOutput) ? `${newestInput} is newer than ${oldestOutput}` : undefined;
}

const lock = at('node_modules/.cache/portbook-test-build.lock');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether process `pid` still runs. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the build lock (a directory: making one is atomic), waiting while another live run holds it. */
async function takeLock(): Promise<void> {
  mkdirSync(path.dirname(lock), { recursive: true });
  const guard = Date.now() + 5 * 60_000; // a hang guard: a build takes seconds
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
    } catch {
      // made, its pid not written yet
    }
    // a lock whose run was killed: take it over
    if (Number.isInteger(holder) && !alive(holder)) rmSync(lock, { recursive: true, force: true });
    else if (Date.now() > guard)
      throw new Error(`the test build lock ${lock} has been held by process ${holder} for 5 minutes; remove it if no test run is building`);
    else await sleep(100);
  }
}

export default async function setup(): Promise<void> {
  await takeLock();
  try {
    const reason = staleness();
    if (reason) {
      console.log(`building dist/ for the tests: ${reason}`);
      execFileSync('npm', ['run', '-s', 'build'], { cwd: repo, stdio: 'inherit' });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
