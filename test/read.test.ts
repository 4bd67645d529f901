import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Table } from 'mdast';
import { toString as nodeText } from 'mdast-util-to-string';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import { parse, processor, read, repairMojibake } from '../src/read/index.js';

const encode = (text: string) => new TextEncoder().encode(text);
/** UTF-8 bytes misread as Windows-1252 and saved again as UTF-8. */
const misencode = (text: string) => {
  const cp1252 = new Map<number, string>([
    [0x80, '€'],
    [0x82, '‚'],
    [0x83, 'ƒ'],
    [0x84, '„'],
    [0x85, '…'],
    [0x86, '†'],
    [0x87, '‡'],
    [0x88, 'ˆ'],
    [0x89, '‰'],
    [0x8a, 'Š'],
    [0x8b, '‹'],
    [0x8c, 'Œ'],
    [0x8e, 'Ž'],
    [0x91, '‘'],
    [0x92, '’'],
    [0x93, '“'],
    [0x94, '”'],
    [0x95, '•'],
    [0x96, '–'],
    [0x97, '—'],
    [0x98, '˜'],
    [0x99, '™'],
    [0x9a, 'š'],
    [0x9b, '›'],
    [0x9c, 'œ'],
    [0x9e, 'ž'],
    [0x9f, 'Ÿ'],
  ]);
  return Array.from(encode(text), (byte) => cp1252.get(byte) ?? String.fromCharCode(byte)).join('');
};

describe('repairMojibake', () => {
  it('reads UTF-8 that was decoded as Windows-1252 as what it meant', () => {
    const meant = '✅ Active │ ↓ café ⏸️';
    expect(misencode(meant)).not.toBe(meant);
    expect(repairMojibake(misencode(meant)).text).toBe(meant);
  });

  it('repairs the Windows-1254 variant seen in the Creator Suite seed (ğŸ“‹ for 📋)', () => {
    expect(repairMojibake('## ğŸ“‹ Port Allocation').text).toBe('## 📋 Port Allocation');
  });

  it('leaves real Latin-1 text and plain UTF-8 alone', () => {
    for (const text of ['café, naïve, Straße', '✅ already fine', 'Ä Ö Ü', 'price: 5 €', 'Der „Fuß“-Dienst', 'CAFÉ’s API', 'Größe‚ klein']) {
      expect(repairMojibake(text)).toEqual({ text, repairs: [] });
    }
  });

  it('repairs two-character shapes outside Latin-1 only beside unmistakable ones', () => {
    expect(repairMojibake('ÄŸ').text).toBe('ÄŸ');
    expect(repairMojibake('âœ… ÄŸ').text).toBe('✅ ğ');
    expect(repairMojibake('Ã© alone').text).toBe('é alone');
  });

  it('records where each repair stands', () => {
    const { repairs } = repairMojibake('ok\n| âœ… | x |');
    expect(repairs).toEqual([{ line: 2, column: 3, original: 'âœ…', repaired: '✅' }]);
  });
});

describe('read', () => {
  it('parses GFM tables', () => {
    const source = read(encode('| Service | Port |\n| --- | --- |\n| api | 1 |\n'), 'PORTS.md');
    expect(source.tree.children.map((node) => node.type)).toEqual(['table']);
    expect(source.file.messages).toEqual([]);
  });

  it('reads CRLF line endings and a BOM to the same tree as LF', () => {
    const lf = '# Dev\n\n| Service | Port |\n| --- | --- |\n| api | 8000 |\n';
    const crlfBom = `\uFEFF${lf.replace(/\n/g, '\r\n')}`;
    const strip = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (key, v) => (key === 'offset' ? undefined : v)));
    expect(strip(read(encode(crlfBom), 'a').tree)).toEqual(strip(read(encode(lf), 'a').tree));
    expect(read(encode(crlfBom), 'a').text).toBe(lf);
  });

  it('warns once about mojibake, at the first affected place in the file as on disk', () => {
    const bytes = readFileSync(new URL('./fixtures/seeds/creator-suite.md', import.meta.url));
    const source = read(bytes, 'docs/PORTS.md');
    const warnings = source.file.messages.filter((message) => message.ruleId === 'encoding-mojibake');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ line: 3, column: 4, fatal: false });
    expect(warnings[0]!.reason).toContain('`ğŸ“‹`');
    expect(warnings[0]!.reason).toContain("repair the file with `portbook fix-encoding` (and gen's --source, if you pass one)");
    expect(source.text).toContain('| ✅ |');
    expect(source.text).toContain('## 📋 Port Allocation Registry');
    expect(source.text).not.toMatch(/âœ…|ğŸ/);
    // one box-drawing `┐` lost its third byte (0x90 has no Windows-1252 character): left as found
    expect(source.text.split('\n').filter((line) => /â/.test(line))).toHaveLength(1);
  });

  it('maps positions after a repair back to the columns on disk', () => {
    const source = read(encode(misencode('| ✅ | x |')), 'a');
    // `✅` became three characters on disk: `x` is two columns further right there
    expect(source.toOriginal({ line: 1, column: 7 })).toEqual({ line: 1, column: 9 });
    expect(source.toOriginal({ line: 1, column: 2 })).toEqual({ line: 1, column: 2 });
  });

  it('reports bytes that are not UTF-8 at their line and column', () => {
    const bytes = Uint8Array.from([...encode('| Service | Port |\n| caf'), 0xe9, ...encode(' | 80 |\n')]);
    const source = read(bytes, 'docs/PORTS.md');
    expect(source.file.messages).toHaveLength(1);
    expect(source.file.messages[0]).toMatchObject({ line: 2, column: 6, fatal: true, ruleId: 'encoding-invalid' });
    expect(source.file.messages[0]!.reason).toContain('0xe9');
  });
});

describe('parse', () => {
  /**
   * A registry of 200 services (15 KB; its table is sliced into four at 50
   * rows) and prose after it, which takes the document past the 64 KiB below
   * which parse() slices nothing. Prose is the cheapest Markdown to parse:
   * a registry of that size alone would make each parse below three times as slow.
   */
  let generatedText: string | undefined;
  const generated = (): string => {
    if (generatedText === undefined) {
      const registry = spawnSync(process.execPath, [new URL('../bench/make-registry.mjs', import.meta.url).pathname, '200'], { encoding: 'utf8' }).stdout;
      expect(registry).toContain('| **Service 199 API** |');
      const prose = Array.from({ length: 200 }, (_, i) => `Paragraph ${i}: ${'the quick brown fox jumps over the lazy dog. '.repeat(6)}`);
      generatedText = [registry, ...prose].join('\n\n');
    }
    return generatedText;
  };

  it('gives the same tree when it parses a long table in slices', () => {
    expect(generated().length).toBeGreaterThan(64 * 1024); // long enough to be sliced at all
    // a second table without outer pipes, prose and a list between, and a table at the very end
    const text = `${generated()}\n\nSome prose.\n\nA | B\n--- | ---\nx | 1\n\n| Service | Port |\n|---|---|\n${Array.from({ length: 250 }, (_, i) => `| s${i} | ${20000 + i} |`).join('\n')}`;
    const whole = processor().parse(text);
    for (const chunk of [97, 50, 7]) expect(JSON.stringify(parse(text, chunk))).toBe(JSON.stringify(whole));
  });

  it('leaves tables in code blocks, lists, quotes and HTML to the whole-document parse', () => {
    const rows = (indent: string) => Array.from({ length: 120 }, (_, i) => `${indent}| s${i} | ${20000 + i} |`).join('\n');
    const table = (indent: string) => `${indent}| Service | Port |\n${indent}|---|---|\n${rows(indent)}`;
    for (const wrapped of [
      `\`\`\`\n${table('')}\n\`\`\``,
      `~~~~md\n${table('')}\n~~~\n~~~~`,
      `- an example:\n\n${table('  ')}`,
      `> ${table('').split('\n').join('\n> ')}`,
      `<!--\n\n${table('')}\n-->`,
      `Some prose\n${table('')}`,
    ]) {
      const text = `${wrapped}\n\n${generated()}`;
      expect(JSON.stringify(parse(text, 50))).toBe(JSON.stringify(processor().parse(text)));
    }
  });

  it('reads every cell as remark-gfm does, bare URLs included, without the literal-autolink transform', () => {
    const text = [
      '| Domain | Note |',
      '|---|---|',
      '| https://api.example.com/a_b_ | see www.example.org/*x* or ops@example.com |',
      '| [docs](https://x.example.com) | ~~old~~ `code` **bold** |',
      '| a_https://b.example.com/(c) | x*https://d.example.com*y, <https://e.example.com> |',
    ].join('\n');
    const cells = (tree: ReturnType<typeof parse>) => (tree.children[0] as Table).children.flatMap((row) => row.children.map((cell) => nodeText(cell)));
    const full = unified().use(remarkParse).use(remarkGfm).parse(text);
    expect(cells(processor().parse(text))).toEqual(cells(full));
    expect(cells(full).slice(2, 4)).toEqual(['https://api.example.com/a_b_', 'see www.example.org/*x* or ops@example.com']);
  });
});
