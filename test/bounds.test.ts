/**
 * Pathological Markdown is refused before the parser sees it: nesting past
 * what a registry needs gets one diagnostic at the first line that goes too
 * deep, and nothing is written (#18, #19). No timing is asserted; the cases
 * that took the parser minutes, or overflowed the stack, now end at once.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { maxNestingDepth, nestingDepth } from '../src/read/bounds.js';
import { read } from '../src/read/index.js';
import { runCli, temporaryDirs, writeProject } from './helpers.js';

const temporaryDir = temporaryDirs('bounds');
const table = '| Service | Port |\n|---|---|\n| api | 16000 |\n\n';

describe('nesting bounds', () => {
  it.each([
    ['10,000 nested block quotes on one line', `${'> '.repeat(10_000)}text\n`, 5],
    ['3,000 list markers on one line', `${'- '.repeat(3_000)}x\n`, 5],
    [
      '1,400 list items, each indented one level deeper (2 MB)',
      Array.from({ length: 1_400 }, (_, k) => `${'  '.repeat(k)}- item\n`).join(''),
      5 + maxNestingDepth,
    ],
  ])('%s: one diagnostic at the first line too deep, nothing written', (_, body, line) => {
    const dir = writeProject(temporaryDir(), table + body);
    const { code, stderr } = runCli(['gen'], dir);
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^docs/PORTS\\.md:${line}:1 error Unexpected nesting \\d+ levels deep .* registry-too-deep$`, 'm'));
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(dir, 'generated'))).toBe(false);
  });

  it('leaves registries as people write them alone: nested lists, quotes, indented and fenced pictures', () => {
    const ordinary = [
      table,
      '> **Note**\n> - a quoted list\n>   - nested\n',
      '- one\n  - two\n    - three\n      1. four\n',
      '```text',
      ...Array.from({ length: 80 }, (_, k) => `${' '.repeat(k)}- not a list: a picture in a fence`),
      '```',
      '',
    ].join('\n');
    const source = read(new TextEncoder().encode(ordinary), 'docs/PORTS.md');
    expect(source.file.messages).toEqual([]);
    expect(source.tree.children.length).toBeGreaterThan(3);
  });

  it('counts markers and the indentation of a line that opens a container', () => {
    expect(nestingDepth('| a | b |')).toBe(0);
    expect(nestingDepth('        indented code, not a container')).toBe(0);
    expect(nestingDepth('> > quote')).toBe(2);
    expect(nestingDepth('- - - x')).toBe(3);
    expect(nestingDepth('    - third level')).toBe(3);
    expect(nestingDepth('\t- tab')).toBe(3);
    expect(nestingDepth('1. one')).toBe(1);
    expect(nestingDepth('-not a marker')).toBe(0);
  });
});
