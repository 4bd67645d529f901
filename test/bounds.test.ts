/**
 * Pathological Markdown is refused before the parser sees it: nesting past
 * what a registry needs gets one diagnostic at the first line that goes too
 * deep, and nothing is written (#18, #19). No timing is asserted; the cases
 * that took the parser minutes, or overflowed the stack, now end at once.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { markupColumns, maxMarkupPerBlock, maxNestingDepth, nestingDepth } from '../src/read/bounds.js';
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

describe('markup bounds', () => {
  const head = '## Production\n\n| Service | Port | Protocol | Description |\n|---|---|---|---|\n';
  it.each([
    ['`[a][b]` 50,000 times in a cell (43 s in the parser)', `${head}| Api | 16001 | HTTP | ${'[a][b]'.repeat(50_000)} |\n`, 5, 23 + 6 * 500 + 2 + 1],
    ['`[a]` 50,000 times in a cell', `${head}| Api | 16001 | HTTP | ${'[a]'.repeat(50_000)} |\n`, 5, 23 + 3 * 1000 + 2 + 1],
    ['50,000 `]` in a cell', `${head}| Api | 16001 | HTTP | ${']'.repeat(50_000)} |\n`, 5, 23 + 1000 + 1],
    ['`~~a ` nested 8,000 times in a paragraph (a minute)', `${head}\n${'~~a '.repeat(8_000)}b${' c~~'.repeat(8_000)}\n`, 6, 4 * 500 + 1],
    ['`*a ` nested 3,000 times in a paragraph (8 s)', `${head}\n${'*a '.repeat(3_000)}b${' c*'.repeat(3_000)}\n`, 6, 3 * 1000 + 1],
    ['1,001 brackets in one paragraph of many lines', `${head}\n${Array.from({ length: 1_001 }, () => '[a]').join('\n')}\n`, 6 + 1_000, 3],
  ])('%s: one diagnostic at the mark that goes past the bound, nothing written', (_, body, line, column) => {
    const dir = writeProject(temporaryDir(), body);
    const { code, stderr } = runCli(['gen'], dir);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(`^docs/PORTS\\.md:${line}:${column} error Unexpected .*, link bracket or emphasis mark number 1001 .* registry-too-dense$`, 'm'),
    );
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(dir, 'generated'))).toBe(false);
  });

  it('counts each table row, list item and paragraph on its own, and leaves code alone', () => {
    const many = (mark: string, count: number): string => mark.repeat(count);
    const ordinary = [
      '## Production',
      '',
      '| Service | Port | Protocol | Description |',
      '|---|---|---|---|',
      // rows of a table: 900 marks each, thousands in all
      ...Array.from({ length: 5 }, (_, k) => `| S${k} | ${16000 + k} | HTTP | ${many('[a]', 900)} |`),
      '',
      ...Array.from({ length: 5 }, () => `- ${many('_x_ ', 450)}`),
      '',
      `${many('*a* ', 450)}`,
      '',
      `${many('~~a~~ ', 225)}`,
      '',
      `\`${many('_', 5_000)}\` and \`\`${many(']', 5_000)}\`\``,
      '```',
      many('[a]', 5_000),
      '```',
      '',
    ].join('\n');
    const source = read(new TextEncoder().encode(ordinary), 'docs/PORTS.md');
    expect(source.file.messages).toEqual([]);
    expect(source.tree.children.length).toBeGreaterThan(5);
  });

  it('finds the marks outside code spans in one pass', () => {
    expect(markupColumns('a]b*c_d~e')).toEqual([1, 3, 5, 7]);
    expect(markupColumns('`]` ]')).toEqual([4]);
    expect(markupColumns('``a`]`b`` ]')).toEqual([10]);
    // an unmatched run opens no span
    expect(markupColumns('`` ] `')).toEqual([3]);
    expect(markupColumns(`${'``a'.repeat(50_000)}]`)).toEqual([150_000]);
    expect(maxMarkupPerBlock).toBe(1000);
  });
});
