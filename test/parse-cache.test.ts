/**
 * The parse cache (src/read/cache.ts, blocks.ts) gives exactly the tree a
 * whole parse gives: over random documents built from every construct that
 * decides where a block ends (tables, fences, the seven kinds of HTML block,
 * lists with lazy lines and blank lines, quotes, headings, definitions,
 * portbook's diagram block) and a random edit of one line or one character,
 * the tree read through a warm cache equals remark's parse of the edited text,
 * positions included; and through build(), the registry, the diagnostics and
 * every rendered file equal those of `--no-cache`. Then what the cache does
 * with entries it must not trust, and where it lives.
 *
 * Counts of cases, never times; PORTBOOK_PROPERTY_RUNS multiplies them:
 *   PORTBOOK_PROPERTY_RUNS=20 npx vitest run test/parse-cache.test.ts --testTimeout=0
 * A failure prints fast-check's seed and path; replay it with FC_SEED and FC_PATH.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { Root, Table } from 'mdast';
import { describe, expect, it } from 'vitest';
import { build } from '../src/commands/build.js';
import { blockStarts } from '../src/read/blocks.js';
import { cacheDirectory, ParseCache, parseCached } from '../src/read/cache.js';
import { read } from '../src/read/index.js';
import { assemble, mayDefine, partsOf, processor, tableSlices } from '../src/read/parse.js';
import { decodeTree, encodeTree, maxDepth } from '../src/read/tree-codec.js';
import { loadWithCodeCache } from '../src/support/compile-cache.js';
import { runCli, temporaryDirs, writeProject } from './helpers.js';

const runs = Number(process.env.PORTBOOK_PROPERTY_RUNS ?? 1);
if (!(runs > 0)) throw new Error(`PORTBOOK_PROPERTY_RUNS must be a number above 0, not ${JSON.stringify(process.env.PORTBOOK_PROPERTY_RUNS)}`);
const count = (cases: number): number => Math.max(1, Math.round(cases * runs));
const settings = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns,
  seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : 20_261_202,
  ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
});
const temporary = temporaryDirs('parse-cache');
const repo = fileURLToPath(new URL('..', import.meta.url));

// ---------------------------------------------------------------- documents

const word = fc.constantFrom(
  'alpha',
  'Beta',
  'x',
  '`code`',
  '**b**',
  '_e_',
  'a@b.io',
  'www.x.io',
  'http://h:80',
  '&amp;',
  '\\*',
  '<b>',
  'ü',
  '✅',
  '[x]',
  '[^1]',
);
const inline = fc.array(word, { minLength: 1, maxLength: 4 }).map((words) => words.join(' '));
const row = fc
  .tuple(inline, fc.integer({ min: 1024, max: 65_535 }), fc.constantFrom('HTTP', 'TCP', 'WS', 'PostgreSQL', ''))
  .map(([name, port, protocol]) => `| **${name.replace(/\|/g, '')}** | \`${port}\` | ${protocol} | ✅ Active | ${name.replace(/\|/g, '')} |`);
const table = fc
  .tuple(fc.constantFrom('', '### Development Ports\n', '## Production Ports\n\n'), fc.array(row, { maxLength: 9 }), fc.constantFrom('', 'after\n', '> q\n'))
  .map(
    ([heading, rows, after]) =>
      `${heading}| Service | Port | Protocol | Status | Description |\n|---|---|---|---|---|\n${rows.map((r) => `${r}\n`).join('')}${after}`,
  );
/** Lines that open, close or continue something, wherever an edit puts them. */
const tricky = [
  '```',
  '````',
  '~~~',
  '```mermaid',
  '~~~ info `x`',
  '``` a`b',
  '  ```',
  '    ```',
  '<!--',
  '-->',
  '<!-- c -->',
  '<!-->',
  '<script>',
  '</script>',
  '<pre class="x">',
  '</pre>',
  '<style',
  '<textarea>',
  '<?php',
  '?>',
  '<?>',
  '<!DOCTYPE html>',
  '<![CDATA[',
  ']]>',
  '<div>',
  '</div>',
  '<span>',
  '<custom-tag a="1">',
  '  <div>',
  '- item',
  '* item',
  '1. one',
  '10) ten',
  '-',
  '  lazy or not',
  '> quote',
  '>',
  '    indented',
  '\tindented',
  '# Heading',
  '===',
  '---',
  '* * *',
  '| a | b |',
  '|---|---|',
  '[d]: /x',
  '[^1]: note',
  ' [ref]: <u> "t"',
  'text',
  '',
  '   ',
];
const trickyLine = fc.constantFrom(...tricky);
const block = fc.oneof(
  { weight: 4, arbitrary: table },
  { weight: 2, arbitrary: inline.map((t) => `Some ${t}\nand ${t}\n`) },
  { weight: 1, arbitrary: inline.map((t) => `# ${t}\n`) },
  { weight: 1, arbitrary: inline.map((t) => `${t}\n===\n`) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom('```', '````', '~~~', '```mermaid', '~~~ x`y', '  ```'),
        fc.array(trickyLine, { maxLength: 4 }),
        fc.constantFrom('```', '````', '~~~', ''),
      )
      .map(([open, body, close]) => `${[open, ...body, close].join('\n')}\n`),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom('<!--', '<script>', '<pre>', '<?x', '<!X', '<![CDATA[', '<div>', '<span>', '<!-- one line -->', '<details>'),
        fc.array(trickyLine, { maxLength: 4 }),
        fc.constantFrom('-->', '</script>', '</pre>', '?>', '>', ']]>', '</div>', ''),
      )
      .map(([open, body, close]) => `${[open, ...body, close].join('\n')}\n`),
  },
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc.oneof(
          inline.map((t) => `- ${t}`),
          inline.map((t) => `1. ${t}`),
          trickyLine.map((line) => `  ${line}`),
          trickyLine,
          fc.constant(''),
        ),
        {
          minLength: 1,
          maxLength: 6,
        },
      )
      .map((lines) => `- first\n${lines.join('\n')}\n`),
  },
  {
    weight: 2,
    arbitrary: fc
      .array(
        fc.oneof(
          inline.map((t) => `> ${t}`),
          trickyLine,
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((lines) => `> ${lines.join('\n')}\n`),
  },
  { weight: 1, arbitrary: inline.map((t) => `[${t.length % 3}]: http://x/${t.length}\n\nSee [${t.length % 3}].\n`) },
  { weight: 1, arbitrary: fc.constant('<!-- portbook:diagram -->\n```mermaid\nflowchart LR\n  a --> b\n```\n<!-- /portbook:diagram -->\n') },
  { weight: 1, arbitrary: fc.constant('    code\n\n    more code\n') },
  { weight: 2, arbitrary: trickyLine.map((line) => `${line}\n`) },
);
const separator = fc.constantFrom('', '\n', '\n', '\n\n', '\n \n');
const documentOf = (blocks: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.array(fc.tuple(blocks, separator), { minLength: 1, maxLength: 10 }).map((parts) => parts.map(([b, s]) => b + s).join(''));

/** One edit: a line changed, inserted or deleted, or a character inserted or deleted, somewhere. */
type Edit = { kind: 'change' | 'insert' | 'delete' | 'char' | 'drop'; at: number; line: string; character: string };
const edit = fc.record({
  kind: fc.constantFrom('change', 'insert', 'delete', 'char', 'drop'),
  at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  line: trickyLine,
  character: fc.constantFrom('`', '~', '<', '>', '-', '|', ' ', '\n', '[', ']', ':', '*', '1', 'x', '!', '#', '\t'),
}) as fc.Arbitrary<Edit>;

function applied(text: string, { kind, at, line, character }: Edit): string {
  if (kind === 'char' || kind === 'drop') {
    const offset = Math.floor(at * (text.length + 1));
    return kind === 'char' ? text.slice(0, offset) + character + text.slice(offset) : text.slice(0, offset) + text.slice(offset + 1);
  }
  const lines = text.split('\n');
  const index = Math.floor(at * lines.length);
  if (kind === 'change') lines[index] = line;
  else if (kind === 'insert') lines.splice(index, 0, line);
  else lines.splice(index, 1);
  return lines.join('\n');
}

// ---------------------------------------------------------------- the properties

describe('the parse cache gives the tree of a whole parse', () => {
  it('after any one edit, with the cache warm from before it (tables cut every 2, 3 or 50 rows, each block a part or small ones together)', () => {
    const cache = new ParseCache(path.join(temporary(), 'cache'), { stamp: 'property' });
    fc.assert(
      fc.property(documentOf(block), edit, fc.constantFrom(2, 3, 50), fc.constantFrom(0, 0, 64), (before, change, chunk, least) => {
        const after = applied(before, change);
        expect(parseCached(before, cache, chunk, least)).toEqual(processor().parse(before));
        const whole = processor().parse(after);
        expect(parseCached(after, cache, chunk, least)).toEqual(whole);
        // and again, every part from the cache now
        expect(parseCached(after, cache, chunk, least)).toEqual(whole);
      }),
      settings(count(300)),
    );
    expect(cache.counts.hits).toBeGreaterThan(cache.counts.misses);
  });

  it('the cache writes every tree a document it may cache parses to, and reads it back exactly, key order too (lines ended by LF, CRLF or CR; tabs)', () => {
    const ending = fc.constantFrom('\n', '\r\n', '\r');
    fc.assert(
      fc.property(documentOf(block), ending, fc.boolean(), (document, newline, tabs) => {
        const text = (tabs ? document.replace(/ {2}/g, '\t') : document).replace(/\n/g, newline);
        // a document that may define links is parsed whole, never cut or cached (its references are nodes the cache does not write)
        fc.pre(!mayDefine(text));
        const tree = processor().parse(text);
        const bytes = encodeTree(tree, text);
        expect(bytes).toBeDefined();
        const back = decodeTree(Buffer.from(bytes!), text);
        expect(back).toEqual(tree);
        expect(JSON.stringify(back)).toBe(JSON.stringify(tree));
      }),
      settings(count(300)),
    );
  });

  it('a damaged entry (bytes changed, inserted, removed, cut) is refused or read as a tree of its text: never a throw or a hang', () => {
    const damage = fc.array(
      fc.record({
        kind: fc.constantFrom('set', 'insert', 'remove', 'cut'),
        at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
      { minLength: 1, maxLength: 4 },
    );
    let refused = 0;
    fc.assert(
      fc.property(documentOf(block), damage, (text, changes) => {
        fc.pre(!mayDefine(text));
        let bytes = [...encodeTree(processor().parse(text), text)!];
        for (const { kind, at, byte } of changes) {
          const index = Math.floor(at * bytes.length);
          if (kind === 'set') bytes[index] = byte;
          else if (kind === 'insert') bytes.splice(index, 0, byte);
          else if (kind === 'remove') bytes.splice(index, 1);
          else bytes = bytes.slice(0, index);
        }
        const tree = decodeTree(Buffer.from(bytes), text);
        if (tree === undefined) refused++;
        // what it reads is a tree the encoder takes: known types and fields, positions inside the text, bounded depth
        else expect(decodeTree(Buffer.from(encodeTree(tree, text)!), text)).toEqual(tree);
      }),
      settings(count(300)),
    );
    expect(refused).toBeGreaterThan(0);
  });

  it('cuts only where the whole parse starts a top-level node', () => {
    fc.assert(
      fc.property(documentOf(block), (text) => {
        const lines = text.split('\n');
        const starts = new Set(
          processor()
            .parse(text)
            .children.map((node) => node.position!.start.line - 1),
        );
        for (const cut of blockStarts(lines).slice(1))
          expect({ cut, line: lines[cut], starts: starts.has(cut) }).toEqual({ cut, line: lines[cut], starts: true });
      }),
      settings(count(300)),
    );
  });

  it("the CLI bundle, with the build's patches of the parser (scripts/bundle.mjs), reads every document to the tree the sources read", () => {
    fc.assert(fc.property(documentOf(block), same), settings(count(300)));
    // a document long enough to be parsed in slices; and every construct the handlers know, in one
    same(long(3000));
    same(
      '# H\n\n1. one\n2. two\n   - [x] done\n   - [ ] not\n\n> q `c` **b** _e_ ~~s~~ www.x.io <http://a.b> [l](/u "t") ![i](/p)\n\n```js meta\nx\n```\n\n[d]: /x\n\nSee [d] and[^1].\n\n[^1]: note\n',
    );
  });

  it('the CLI bundle reads inline text of every kind, in every block a registry has, to the tree the sources read', () => {
    // the near misses of the bundle's shortcut for plain text (plainTextWithoutTokenizer in scripts/bundle.mjs): autolink
    // literals and what only looks like one, every inline marker, tabs, spaces, control characters, characters outside
    // the BMP and ones whose lower case is longer
    const piece = fc.constantFrom(
      ...[
        'Load',
        'test',
        'HTTP',
        'http',
        'Https',
        'hTtP:x',
        'https:',
        'http:/',
        'HTTPS://a.b',
        'http://a.b',
        'hTTp://X.io',
        'www',
        'WWW.x',
        'w.w.w.',
        'Whttp',
        'x@y.io',
      ],
      ...['\u2705', '\u{1F512}', '\u00fc', '\u0130', '\u212a', '\t', ' ', '  ', '&', 'a&b', '&amp;', '*', '_', '~', '~~x~~', '`c`', '<', '<b>', '!'],
      ...['[', ']', '[ ]', '\\', '\u0000', '\u0001', '\u007f', '\ufffd', ':', '.', '-', '1', '|', '#'],
    );
    const text = fc.array(piece, { minLength: 1, maxLength: 5 }).map((pieces) => pieces.join(''));
    const block = fc.oneof(
      text.map((t) => `${t}\n`),
      fc.tuple(text, text).map(([a, b]) => `${a}\n${b}\n`),
      text.map((t) => `# ${t}\n`),
      text.map((t) => `${t}\n---\n`),
      text.map((t) => `- ${t}\n`),
      text.map((t) => `- [ ] ${t}\n`),
      text.map((t) => `> ${t}\n`),
      text.map((t) => `1. ${t}\n   ${t}\n`),
      fc
        .array(fc.tuple(text, text), { minLength: 1, maxLength: 4 })
        .map((rows) => `| A | B |\n|---|---|\n${rows.map(([a, b]) => `| ${a} | ${b} |\n`).join('')}`),
    );
    fc.assert(
      fc.property(
        fc.array(block, { minLength: 1, maxLength: 6 }).map((blocks) => blocks.join('\n')),
        same,
      ),
      settings(count(200)),
    );
  });

  it('through build(): the same registry, diagnostics and rendered files as --no-cache, after any one edit', () => {
    const registry = fc
      .tuple(fc.array(fc.tuple(fc.oneof({ weight: 3, arbitrary: table }, { weight: 2, arbitrary: block }), separator), { minLength: 1, maxLength: 6 }))
      .map(([parts]) => `# Registry\n\n${parts.map(([b, s]) => `${b}\n${s}`).join('')}`);
    const dir = temporary();
    mkdirSync(path.join(dir, 'node_modules'));
    fc.assert(
      fc.property(registry, edit, (before, change) => {
        const after = applied(before, change);
        writeProject(dir, before);
        build({ cwd: dir });
        writeProject(dir, after);
        const cached = build({ cwd: dir });
        const whole = build({ cwd: dir, cache: false });
        const messages = (built: typeof whole) => built.diagnostics.map((m) => [m.line, m.column, m.reason, m.ruleId]);
        expect(cached.registry).toEqual(whole.registry);
        expect(messages(cached)).toEqual(messages(whole));
        expect(cached.files).toEqual(whole.files);
        expect(cached.source.tree).toEqual(whole.source.tree);
      }),
      settings(count(40)),
    );
    expect(readdirSync(path.join(dir, 'node_modules/.cache/portbook/parse')).length).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------- what the cache must not trust

it('joins a long table cut in slices without falling back to a whole parse', () => {
  const text = `${'# R\n\n| Service | Port |\n|---|---|\n'}${Array.from({ length: 120 }, (_, i) => `| S${i} | \`${10_000 + i}\` |\n`).join('')}\nAfter.\n`;
  const lines = text.split('\n');
  const parts = partsOf(lines, [0], tableSlices(lines, 50));
  expect(parts.map((part) => part.from)).toEqual([0, 54, 104]);
  expect(assemble(text, lines, parts, (partText) => processor().parse(partText))).toEqual(processor().parse(text));
});

/** Expect the CLI bundle (dist/bundle/cli.cjs, with the build's patches of the parser) to read `text` to the tree the sources read. */
function same(text: string): void {
  const bytes = Buffer.from(text);
  expect(JSON.stringify(bundledRead()(bytes, 'PORTS.md').tree)).toBe(JSON.stringify(read(bytes, 'PORTS.md').tree));
}
let bundled: ((bytes: Uint8Array, displayPath: string) => { tree: Root }) | undefined;
const bundledRead = () => {
  bundled ??= loadWithCodeCache<{ read: NonNullable<typeof bundled> }>(path.join(repo, 'dist/bundle/cli.cjs')).exports.read;
  return bundled;
};

const long = (rows: number): string =>
  `# R\n\nSome text.\n\n| Service | Port |\n|---|---|\n${Array.from({ length: rows }, (_, i) => `| S${i} | \`${10_000 + i}\` |\n`).join('')}\nAfter.\n`;

/** A warm cache of `text` in a new directory: the directory and its entries. */
function warmed(text: string, chunk = 3): { directory: string; entries: string[] } {
  const directory = path.join(temporary(), 'cache');
  parseCached(text, new ParseCache(directory, { stamp: 's' }), chunk);
  return { directory, entries: entryNames(directory).map((name) => path.join(directory, name)) };
}

/** The entries in a cache directory (not its ledger). */
const entryNames = (directory: string): string[] => readdirSync(directory).filter((name) => name.endsWith('.mdast'));

/** Parse `text` through the cache in `directory`: the tree (checked against a whole parse) and the cache's counts. */
function reread(directory: string, text: string, chunk = 3): ParseCache['counts'] {
  const cache = new ParseCache(directory, { stamp: 's' });
  expect(parseCached(text, cache, chunk)).toEqual(processor().parse(text));
  return cache.counts;
}

/** An entry as the cache writes it, around any body. */
const entry = (stamp: string, key: string, body: Uint8Array): Buffer =>
  Buffer.concat([Buffer.from(`${JSON.stringify({ stamp, key, sha256: createHash('sha256').update(body).digest('hex') })}\n`), body]);

/** An entry's key and body. */
function opened(file: string): { key: string; body: Buffer } {
  const bytes = readFileSync(file);
  const newline = bytes.indexOf(10);
  return { key: (JSON.parse(bytes.subarray(0, newline).toString()) as { key: string }).key, body: bytes.subarray(newline + 1) };
}

/** Bytes as the codec writes them: numbers as varints, strings as their length and UTF-8. */
function bytesOf(...items: Array<number | string | number[]>): Buffer {
  const out: number[] = [];
  const varint = (value: number): void => {
    let rest = value;
    while (rest > 0x7f) {
      out.push((rest & 0x7f) | 0x80);
      rest = Math.floor(rest / 128);
    }
    out.push(rest);
  };
  for (const item of items) {
    if (typeof item === 'number') varint(item);
    else if (typeof item === 'string') {
      varint(Buffer.byteLength(item));
      out.push(...Buffer.from(item));
    } else out.push(...item);
  }
  return Buffer.from(out);
}

describe('entries the cache does not trust are parsed again', () => {
  const text = long(20);

  it('reads back a warm cache: every part a hit', () => {
    const { directory, entries } = warmed(text);
    expect(entries.length).toBeGreaterThan(3);
    expect(reread(directory, text)).toEqual({ hits: entries.length, misses: 0 });
  });

  it('a corrupt entry (one byte changed), a truncated one, an empty one, a header cut short and a directory in its place', () => {
    const { directory, entries } = warmed(text);
    const [first, second, third, fourth, fifth] = entries as [string, string, string, string, string];
    const bytes = readFileSync(first);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 5) ^ 1, bytes.length - 5);
    writeFileSync(first, bytes);
    writeFileSync(second, readFileSync(second).subarray(0, 40));
    writeFileSync(third, '');
    writeFileSync(fourth, '{"stamp":');
    unlinkSync(fifth);
    mkdirSync(fifth);
    expect(reread(directory, text).misses).toBe(5);
  });

  it('an entry of another version or build (its stamp), or filed under another key', () => {
    const { directory, entries } = warmed(text);
    const [first, second] = entries as [string, string];
    const { key, body } = opened(first);
    writeFileSync(first, entry('portbook 0.0.1; other', key, body));
    writeFileSync(second, entry('s', key, body));
    expect(reread(directory, text).misses).toBe(2);
  });

  it('an entry whose checksum holds but whose bytes are not a tree of that text: cut short, bytes left over, JSON of an earlier version', () => {
    const { directory, entries } = warmed(text);
    const spoilt: Array<(body: Buffer, tree: unknown) => Uint8Array> = [
      (body) => body.subarray(0, body.length - 1),
      (body) => body.subarray(0, body.length >> 1),
      (body) => Buffer.concat([body, Buffer.from([0])]),
      (_, tree) => Buffer.from(JSON.stringify(tree)),
      () => Buffer.alloc(0),
    ];
    spoilt.forEach((spoil, index) => {
      const file = entries[index]!;
      const { key, body } = opened(file);
      writeFileSync(file, entry('s', key, spoil(body, processor().parse('x'))));
    });
    expect(reread(directory, text).misses).toBe(spoilt.length);
  });

  it('the decoder refuses bytes its encoder would not write: types, flags, fields, offsets, lines and numbers out of range, depth, counts', () => {
    const root = (length: number, ...children: Array<number | string | number[]>): Buffer => bytesOf([0x80], 0, length, ...children);
    const text = 'ab\ncd';
    const at = (line: number, column: number, offset: number) => ({ line, column, offset });
    // sound: a root holding a paragraph with a text whose value is the text's own, and a text whose value is written out (its lines and columns too)
    expect(decodeTree(root(5, 2, [0x81], 0, 2, 1, [12], 0, 2, [0x60 | 12], 3, 2, 2, 1, 2, 4, 'ç'), text)).toEqual({
      type: 'root',
      children: [
        {
          type: 'paragraph',
          children: [{ type: 'text', value: 'ab', position: { start: at(1, 1, 0), end: at(1, 3, 2) } }],
          position: { start: at(1, 1, 0), end: at(1, 3, 2) },
        },
        { type: 'text', value: 'ç', position: { start: at(2, 1, 3), end: at(2, 4, 5) } },
      ],
      position: { start: at(1, 1, 0), end: at(2, 3, 5) },
    });
    const refused: Array<[string, Buffer]> = [
      ['a text (no children) given children', root(5, 1, [0x80 | 12], 0, 2, 0)],
      ['a paragraph without its children flag', root(5, 1, [1], 0, 2)],
      ['an unknown type', root(5, 1, [0x80 | 25], 0, 2, 0)],
      ['a value flag on a paragraph', root(5, 1, [0xc1], 0, 2, 0)],
      ['an offset past the text', root(5, 1, [12], 3, 9)],
      ['an end past the text', root(5, 1, [12], 0, 6)],
      ['the root past the text', root(6, 0)],
      ['a root as a child', root(5, 1, [0x80], 0, 1, 0)],
      ['a heading of depth 7', root(5, 1, [0x82], 0, 2, [7], 0)],
      ['a heading of depth 0', root(5, 1, [0x82], 0, 2, [0], 0)],
      ['a list item checked neither null, false nor true', root(5, 1, [0x86], 0, 2, [3 << 2], 0)],
      ['a list with unknown flags', root(5, 1, [0x85], 0, 2, [8], 0, 0)],
      ['a table alignment past center', root(5, 1, [0x87], 0, 2, 1, [4], 0)],
      ['a written line 0', root(5, 1, [0x20 | 12], 0, 2, 0, 1, 1, 3)],
      ['a written line past the last', root(5, 1, [0x20 | 12], 0, 2, 3, 1, 1, 3)],
      ['a written column past the text', root(5, 1, [0x20 | 12], 0, 2, 1, 7, 1, 3)],
      ['a value longer than what is left', root(5, 1, [0x40 | 12], 0, 2, 99, [0x61])],
      ['a varint of more than five bytes', root(5, 1, [12], [0x80, 0x80, 0x80, 0x80, 0x80, 0])],
      ['a varint of 2^31 or more', root(5, 1, [12], [0x80, 0x80, 0x80, 0x80, 8], 2)],
      ['more children counted than written (2^31 - 1)', root(5, 0x7fffffff, [12], 0, 2)],
      ['fewer children counted than written (bytes left over)', root(5, 1, [12], 0, 2, [12], 2, 1)],
      ['bytes cut short', root(5, 1, [0x81], 0, 2)],
      ['no bytes at all', Buffer.alloc(0)],
    ];
    for (const [what, bytes] of refused) expect({ what, tree: decodeTree(bytes, text) }).toEqual({ what, tree: undefined });
  });

  it(`the decoder refuses a tree deeper than ${maxDepth} (no stack overflow at any depth), the encoder does not write one`, () => {
    // a root, `depth` quotes each holding the next, and an empty one: the bytes as a literal (not arguments: 200,000 of them would overflow the stack)
    const nested = (depth: number): Buffer => Buffer.from([0x80, 0, 0, 1, ...Array.from({ length: depth }, () => [0x84, 0, 0, 1]).flat(), 0x84, 0, 0, 0]);
    expect(decodeTree(nested(maxDepth - 1), '')).toBeDefined();
    expect(decodeTree(nested(maxDepth), '')).toBeUndefined();
    expect(decodeTree(nested(200_000), '')).toBeUndefined();
    const deep = processor().parse('>'.repeat(maxDepth + 5));
    expect(encodeTree(deep, '>'.repeat(maxDepth + 5))).toBeUndefined();
    const within = '>'.repeat(maxDepth - 5);
    expect(decodeTree(Buffer.from(encodeTree(processor().parse(within), within)!), within)).toEqual(processor().parse(within));
  });

  it('an entry of nodes that each end far from where they start is read in time linear in its bytes (lines found by bisection, not a walk)', () => {
    // 200,000 lines, and 100,000 nodes that each span them all: a walk over the lines per node would be 2 * 10^10 steps
    const text = '\n'.repeat(200_000);
    const node = bytesOf([12], 0, text.length);
    const bytes = Buffer.concat([bytesOf([0x80], 0, text.length, 100_000), ...Array.from({ length: 100_000 }, () => node)]);
    const tree = decodeTree(bytes, text);
    expect(tree?.children.length).toBe(100_000);
    expect(tree?.children.at(-1)?.position).toEqual({ start: { line: 1, column: 1, offset: 0 }, end: { line: 200_001, column: 1, offset: 200_000 } });
  });

  it('the encoder writes only what it gives back exactly: no unknown type or field, no position outside the text, no lone surrogate', () => {
    const text = '| a | `b` |\n|---|---|\n| c | d |\n';
    const tree = (): Root => processor().parse(text);
    const spoilt: Array<[string, (root: Root) => void]> = [
      ['an unknown type', (root) => Object.assign(root.children[0]!, { type: 'script' })],
      ['a field mdast nodes do not have', (root) => Object.assign(root.children[0]!, { data: { hName: 'x' } })],
      ['no position', (root) => Object.assign(root.children[0]!, { position: undefined })],
      ['a position past the text', (root) => Object.assign(root.children[0]!.position!.end, { offset: text.length + 1 })],
      ['a value with a lone surrogate', (root) => Object.assign((root.children[0] as Table).children[0]!.children[1]!.children[0]!, { value: '\ud800' })],
      ['an ordered list not a boolean', (root) => Object.assign(root.children[0]!, { type: 'list', ordered: 1, start: null, spread: false, children: [] })],
    ];
    for (const [what, spoil] of spoilt) {
      const root = tree();
      spoil(root);
      expect({ what, bytes: encodeTree(root, text) }).toEqual({ what, bytes: undefined });
    }
    // lines and columns that the offsets do not give are written out, and read back as they were
    const moved = tree();
    moved.children[0]!.position!.start.column = 7;
    expect(decodeTree(Buffer.from(encodeTree(moved, text)!), text)).toEqual(moved);
  });

  it('an entry that is a FIFO or a link is not read (no hang), and is parsed instead', () => {
    const { directory, entries } = warmed(text);
    const [first, second, third] = entries as [string, string, string];
    unlinkSync(first);
    execFileSync('mkfifo', [first]);
    unlinkSync(second);
    symlinkSync(third, second);
    expect(reread(directory, text).misses).toBe(2);
  });

  it('a tree changed by whoever received it does not change the next one', () => {
    const { directory } = warmed(text);
    const cache = new ParseCache(directory, { stamp: 's' });
    const first = parseCached(text, cache, 3);
    first.children.length = 0;
    expect(parseCached(text, cache, 3)).toEqual(processor().parse(text));
  });
});

describe('where the cache lives, its bound, and --no-cache', () => {
  it('in node_modules/.cache/portbook of a project that has node_modules; else XDG_CACHE_HOME (when absolute) or ~/.cache', () => {
    const root = temporary();
    expect(cacheDirectory(root, { XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/portbook/parse');
    expect(cacheDirectory(root, { XDG_CACHE_HOME: 'relative' })).toBe(path.join(os.homedir(), '.cache/portbook/parse'));
    expect(cacheDirectory(root, {})).toBe(path.join(os.homedir(), '.cache/portbook/parse'));
    mkdirSync(path.join(root, 'node_modules'));
    expect(cacheDirectory(root, { XDG_CACHE_HOME: '/x/cache' })).toBe(path.join(root, 'node_modules/.cache/portbook/parse'));
  });

  it('a cache that cannot be written (its directory under a file) changes nothing but the time', () => {
    const file = path.join(temporary(), 'file');
    writeFileSync(file, 'x');
    const cache = new ParseCache(path.join(file, 'cache'), { stamp: 's' });
    const text = long(10);
    expect(parseCached(text, cache, 3)).toEqual(processor().parse(text));
    expect(parseCached(text, cache, 3)).toEqual(processor().parse(text));
    expect(cache.counts.hits).toBe(0);
  });

  it('a cache directory that is a link is read but never written (pruning removes files from it)', () => {
    const text = long(10);
    const target = path.join(temporary(), 'elsewhere');
    mkdirSync(target);
    const link = path.join(temporary(), 'cache');
    symlinkSync(target, link);
    const cache = new ParseCache(link, { stamp: 's' });
    expect(parseCached(text, cache, 3)).toEqual(processor().parse(text));
    expect(readdirSync(target)).toEqual([]);
  });

  it('a read-only cache directory is read and never written', () => {
    const text = long(10);
    const { directory, entries } = warmed(text);
    writeFileSync(entries[0]!, '');
    const cache = new ParseCache(directory, { stamp: 's' });
    // a read-only directory, for a user who is not root (root writes anyway: the entry is then simply stored again)
    chmodSync(directory, 0o555);
    try {
      expect(parseCached(text, cache, 3)).toEqual(processor().parse(text));
      expect(cache.counts).toEqual({ hits: entries.length - 1, misses: 1 });
    } finally {
      chmodSync(directory, 0o755);
    }
  });

  it('holds the directory to its bound: past it the entries used least recently go', () => {
    const directory = path.join(temporary(), 'cache');
    const old = long(30);
    const cache = new ParseCache(directory, { stamp: 's', maxEntries: 8 });
    parseCached(old, cache, 3);
    expect(entryNames(directory).length).toBeLessThanOrEqual(8);
    for (const name of entryNames(directory)) utimesSync(path.join(directory, name), new Date(1000), new Date(1000));
    const recent = long(9).replace(/S/g, 'T');
    parseCached(recent, cache, 3);
    expect(entryNames(directory).length).toBeLessThanOrEqual(8);
    // what the last run used is what stays
    expect(reread(directory, recent).misses).toBe(0);
    // nothing but its own entries is ever removed
    const foreign = path.join(directory, 'notes.json');
    writeFileSync(foreign, '{}');
    utimesSync(foreign, new Date(1000), new Date(1000));
    // an entry of an earlier version (JSON) is the cache's own: it goes when it is among the least recently used
    const earlier = path.join(directory, `${'a'.repeat(64)}.json`);
    writeFileSync(earlier, '{"stamp":"portbook 0.1.0"}\n{}');
    utimesSync(earlier, new Date(1000), new Date(1000));
    parseCached(long(30).replace(/S/g, 'U'), cache, 3);
    expect(existsSync(foreign)).toBe(true);
    expect(existsSync(earlier)).toBe(false);
    // and the bound in bytes: 400 rows make more than 16 KiB of entries
    const size = (directory: string): number => entryNames(directory).reduce((sum, name) => sum + readFileSync(path.join(directory, name)).length, 0);
    const unbounded = new ParseCache(path.join(temporary(), 'cache'), { stamp: 's' });
    parseCached(long(400), unbounded, 3);
    expect(size(unbounded.directory)).toBeGreaterThan(16 * 1024);
    const bytes = new ParseCache(path.join(temporary(), 'cache'), { stamp: 's', maxBytes: 16 * 1024 });
    parseCached(long(400), bytes, 3);
    expect(size(bytes.directory)).toBeLessThanOrEqual(16 * 1024);
  });

  it('keeps its bound by a ledger: the directory is counted when the ledger is missing, damaged, a day old, or over the bound, not on every run', () => {
    const directory = path.join(temporary(), 'cache');
    const ledger = path.join(directory, 'usage');
    parseCached(long(12), new ParseCache(directory, { stamp: 's', maxEntries: 8 }), 3);
    // no ledger yet: counted, and the count written
    const [bytes, count] = readFileSync(ledger, 'latin1').split(' ').map(Number);
    expect(count).toBe(entryNames(directory).length);
    expect(bytes).toBe(entryNames(directory).reduce((sum, name) => sum + readFileSync(path.join(directory, name)).length, 0));
    // entries the ledger does not know of (put there by hand) stay while the ledger and this run's entries are within the bound
    const planted = Array.from({ length: 6 }, (_, i) => path.join(directory, `${String(i).repeat(64)}.mdast`));
    for (const file of planted) {
      writeFileSync(file, 'x');
      utimesSync(file, new Date(1000), new Date(1000));
    }
    parseCached(long(13), new ParseCache(directory, { stamp: 's', maxEntries: 8 }), 3);
    expect(planted.every((file) => existsSync(file))).toBe(true);
    // what this run stored is added to the ledger's count, without a look at the directory
    expect(Number(readFileSync(ledger, 'latin1').split(' ')[1])).toBe(entryNames(directory).length - planted.length);
    expect(entryNames(directory).length - planted.length).toBeGreaterThan(count!);
    // a day-old count is counted again: the bound holds, the least recently used going first
    const [b, e] = readFileSync(ledger, 'latin1').split(' ');
    writeFileSync(ledger, `${b} ${e} ${Date.now() - 25 * 60 * 60 * 1000}\n`);
    parseCached(long(14), new ParseCache(directory, { stamp: 's', maxEntries: 8 }), 3);
    expect(entryNames(directory).length).toBeLessThanOrEqual(8);
    expect(planted.some((file) => existsSync(file))).toBe(false);
    expect(Number(readFileSync(ledger, 'latin1').split(' ')[1])).toBe(entryNames(directory).length);
    // a damaged ledger, and one that says the bound is passed, are counted again too
    for (const file of planted) writeFileSync(file, 'x');
    writeFileSync(ledger, 'not a count');
    parseCached(long(15), new ParseCache(directory, { stamp: 's', maxEntries: 8 }), 3);
    expect(entryNames(directory).length).toBeLessThanOrEqual(8);
    expect(readFileSync(ledger, 'latin1')).toMatch(/^\d+ \d+ \d+\n$/);
    for (const file of planted) writeFileSync(file, 'x');
    writeFileSync(ledger, `1 8 ${Date.now()}\n`);
    parseCached(long(16), new ParseCache(directory, { stamp: 's', maxEntries: 8 }), 3);
    expect(entryNames(directory).length).toBeLessThanOrEqual(8);
  });

  it('gen uses it, and gen --no-cache neither reads nor writes it', () => {
    const dir = writeProject(temporary(), long(60));
    mkdirSync(path.join(dir, 'node_modules'));
    const cacheDir = path.join(dir, 'node_modules/.cache/portbook/parse');
    expect(runCli(['gen', '--no-cache'], dir).code).toBe(0);
    expect(existsSync(cacheDir)).toBe(false);
    expect(runCli(['check', '--no-cache'], dir).code).toBe(0);
    expect(runCli(['gen', '--dry-run'], dir).code).toBe(0);
    expect(readdirSync(cacheDir).length).toBeGreaterThan(0);
  });
});
