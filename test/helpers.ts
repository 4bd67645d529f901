/** What several test files need: throwaway directories and projects, and the CLI with its output captured. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { main } from '../src/cli/main.js';

/** A maker of temporary directories, all removed after each test of the calling file. */
export function temporaryDirs(prefix: string): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), `portbook-${prefix}-`));
    made.push(dir);
    return dir;
  };
}

/**
 * For a test file whose directories outlive one test (made in `beforeAll`, or
 * shared by several tests): `portbook-<prefix>-<label>-…` directories, all
 * removed when the file's tests end.
 */
export function fileTemporaryDirs(prefix: string): (label: string) => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return (label) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), `portbook-${prefix}-${label}-`));
    made.push(dir);
    return dir;
  };
}

/** A project in `dir`: an empty package.json and `markdown` as docs/PORTS.md. */
export function writeProject(dir: string, markdown: string | Buffer): string {
  writeFileSync(path.join(dir, 'package.json'), '{}\n');
  mkdirSync(path.join(dir, 'docs'), { recursive: true });
  writeFileSync(path.join(dir, 'docs/PORTS.md'), markdown);
  return dir;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process in `cwd`, capturing what it prints. */
export function runCli(args: string[], cwd: string): CliResult {
  let stdout = '';
  let stderr = '';
  const code = main(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), cwd });
  if (typeof code !== 'number') throw new Error(`${args.join(' ')} did not finish synchronously`);
  return { code, stdout, stderr };
}
