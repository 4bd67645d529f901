/**
 * Terminal escapes never reach the terminal: a cell, a file on disk or a
 * process name that holds control characters is shown with them escaped, in
 * every diagnostic (one line, code frame, colour), in --json, in a diff and
 * in scan's output.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { printScan } from '../src/cli/output/scan.js';
import { visible } from '../src/support/visible.js';
import { runCli, temporaryDirs, writeProject } from './helpers.js';

const temporaryDir = temporaryDirs('escapes');

/** The attack the issue names: retitle the window, then clear the screen; and a bidi override and a C1 CSI. */
const hostile = '\u001b]0;pwned\u0007\u001b[2J\u202e\u009b31m';
/** Anything a terminal would obey (the colours portbook itself paints are allowed: `ESC [ digits m` only). */
const raw = (text: string): string[] =>
  [...text.replace(/\u001b\[\d+m/g, '').matchAll(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g)].map((match) => match[0]);

function capture(args: string[], cwd: string, tty: boolean): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = main(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), cwd, tty, stdoutTty: tty });
  if (typeof code !== 'number') throw new Error('not synchronous');
  return { code, stdout, stderr };
}

describe('control characters in what portbook prints', () => {
  it('escapes them in a cell quoted by a diagnostic, one line and code frame, in colour or not, and in --json', () => {
    const dir = writeProject(temporaryDir(), `| Service | Port | Protocol |\n|---|---|---|\n| api | 16000 | x${hostile} |\n| web | 80${hostile} | HTTP |\n`);
    const previous = process.env.FORCE_COLOR;
    process.env.FORCE_COLOR = '1';
    try {
      for (const tty of [false, true]) {
        const { code, stderr } = capture(['gen'], dir, tty);
        expect(code).toBe(1);
        expect(stderr).toContain('port-not-integer');
        expect(stderr).toContain('\\x1b]0;pwned\\x07\\x1b[2J\\u202e\\x9b31m');
        expect(raw(stderr)).toEqual([]);
      }
    } finally {
      if (previous === undefined) delete process.env.FORCE_COLOR;
      else process.env.FORCE_COLOR = previous;
    }
    const json = capture(['gen', '--json'], dir, false);
    const messages = (JSON.parse(json.stdout) as Array<{ message: string }>).map((diagnostic) => diagnostic.message).join('\n');
    expect(messages).toContain('\\x1b[2J');
    expect(raw(messages)).toEqual([]);
  });

  it('escapes them in a diff of a file on disk (an edited output)', () => {
    const dir = writeProject(temporaryDir(), '| Service | Port |\n|---|---|\n| api | 16000 |\n');
    expect(runCli(['gen'], dir).code).toBe(0);
    const env = path.join(dir, 'generated/.env');
    writeFileSync(env, `API_PORT=16000\n# ${hostile}\n`);
    const { code, stdout } = capture(['check'], dir, true);
    expect(code).toBe(1);
    expect(stdout).toContain('\\x1b]0;pwned');
    expect(raw(stdout)).toEqual([]);
  });

  it('escapes them in the name of a process scan shows', () => {
    let stdout = '';
    const entry = { port: 16500, service: null, environment: null, listening: true, addresses: ['0.0.0.0'], process: { pid: 42, name: `evil${hostile}` } };
    printScan(
      { entries: [entry], down: [], unregistered: [entry] },
      { json: false, strict: false, environment: undefined },
      {
        stdout: (text) => (stdout += text),
        stderr: () => undefined,
        cwd: '/',
      },
    );
    expect(stdout).toContain('evil\\x1b]0;pwned');
    expect(raw(stdout)).toEqual([]);
  });

  it('escapes them in the service names fill, add and scan print, text and --json (#19, found again by the second attack)', () => {
    const ranges = '\n### Reserved Port Ranges\n\n- **Main Range**: `16100-16199` (services)\n';
    const dir = writeProject(temporaryDir(), `| Service | Port | Protocol |\n|---|---|---|\n| evil${hostile} | TBD | HTTP |\n${ranges}`);
    const filled = capture(['fill'], dir, true);
    expect(filled.code).toBe(0);
    expect(filled.stdout).toContain('evil\\x1b]0;pwned');
    expect(raw(filled.stdout + filled.stderr)).toEqual([]);
    const added = capture(['add', `new${hostile}`, '--protocol', 'HTTP'], dir, true);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('new\\x1b]0;pwned');
    expect(raw(added.stdout + added.stderr)).toEqual([]);
    const entry = { port: 16100, service: `evil${hostile}`, environment: null, listening: false, addresses: [], process: null };
    for (const json of [false, true]) {
      let stdout = '';
      printScan(
        { entries: [entry], down: [entry], unregistered: [] },
        { json, strict: false, environment: undefined },
        {
          stdout: (text) => (stdout += text),
          stderr: () => undefined,
          cwd: '/',
        },
      );
      const shown = json ? (JSON.parse(stdout) as Array<{ service: string }>)[0]!.service : stdout;
      expect(shown).toContain('evil\\x1b]0;pwned');
      expect(raw(shown)).toEqual([]);
    }
  });

  it('escapes them in a path check quotes in the command to run', () => {
    const name = `P${hostile}.md`;
    const dir = writeProject(temporaryDir(), '| Service | Port |\n|---|---|\n| api | 16000 |\n');
    writeFileSync(path.join(dir, name), '| Service | Port |\n|---|---|\n| api | 16000 |\n');
    const { code, stdout, stderr } = capture(['check', '--source', name], dir, true);
    expect(code).toBe(1);
    expect(stdout).toContain('P\\x1b]0;pwned');
    expect(raw(stdout + stderr)).toEqual([]);
  });

  it('leaves tabs and ordinary text alone, and escapes every kind it must', () => {
    expect(visible('a\tb ü ✅ 中')).toBe('a\tb ü ✅ 中');
    expect(visible('\u0000\n\r\u007f\u0085\u2028\u2066')).toBe('\\x00\\x0a\\x0d\\x7f\\x85\\u2028\\u2066');
  });
});
