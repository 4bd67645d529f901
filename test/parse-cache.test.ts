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
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { build } from '../src/commands/build.js';
import { blockStarts } from '../src/read/blocks.js';
import { cacheDirectory, isTree, ParseCache, parseCached } from '../src/read/cache.js';
import { assemble, partsOf, processor, tableSlices } from '../src/read/parse.js';
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

const long = (rows: number): string =>
  `# R\n\nSome text.\n\n| Service | Port |\n|---|---|\n${Array.from({ length: rows }, (_, i) => `| S${i} | \`${10_000 + i}\` |\n`).join('')}\nAfter.\n`;

/** A warm cache of `text` in a new directory: the directory and its entries. */
function warmed(text: string, chunk = 3): { directory: string; entries: string[] } {
  const directory = path.join(temporary(), 'cache');
  parseCached(text, new ParseCache(directory, { stamp: 's' }), chunk);
  return { directory, entries: readdirSync(directory).map((name) => path.join(directory, name)) };
}

/** Parse `text` through the cache in `directory`: the tree (checked against a whole parse) and the cache's counts. */
function reread(directory: string, text: string, chunk = 3): ParseCache['counts'] {
  const cache = new ParseCache(directory, { stamp: 's' });
  expect(parseCached(text, cache, chunk)).toEqual(processor().parse(text));
  return cache.counts;
}

/** An entry as the cache writes it, around any JSON. */
const entry = (stamp: string, key: string, json: string): string =>
  `${JSON.stringify({ stamp, key, sha256: createHash('sha256').update(json).digest('hex') })}\n${json}`;

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
    const [header, json] = readFileSync(first, 'utf8').split('\n') as [string, string];
    const { key } = JSON.parse(header) as { key: string };
    writeFileSync(first, entry('portbook 0.0.1; other', key, json));
    writeFileSync(second, entry('s', key, json));
    expect(reread(directory, text).misses).toBe(2);
  });

  it('an entry whose checksum holds but whose tree is not mdast of that text: unknown types, fields, prototypes, positions outside it', () => {
    const { directory, entries } = warmed(text);
    const trees = entries.map((file) => JSON.parse(readFileSync(file, 'utf8').split('\n')[1]!) as { children: Array<Record<string, unknown>> });
    const bad: Array<(tree: { children: Array<Record<string, unknown>> }) => unknown> = [
      (tree) => ({ ...tree, type: 'script' }),
      (tree) => ({ ...tree, children: [{ type: 'code', value: 'x', run: 'rm -rf /' }] }),
      (tree) => JSON.parse(JSON.stringify(tree).replace('"type":"root"', '"type":"root","__proto__":{"polluted":true}')),
      (tree) => ({
        ...tree,
        children: [{ type: 'text', value: 'x', position: { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 1e9 } } }],
      }),
      (tree) => ({ ...tree, children: [{ type: 'text', value: 7 }] }),
      () => [],
    ];
    bad.forEach((spoil, index) => {
      const file = entries[index]!;
      const { key } = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!) as { key: string };
      writeFileSync(file, entry('s', key, JSON.stringify(spoil(trees[index]!))));
    });
    expect(reread(directory, text).misses).toBe(bad.length);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(isTree({ type: 'root', children: [], position: { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } } }, '')).toBe(
      true,
    );
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
    expect(readdirSync(directory).length).toBeLessThanOrEqual(8);
    for (const name of readdirSync(directory)) utimesSync(path.join(directory, name), new Date(1000), new Date(1000));
    const recent = long(9).replace(/S/g, 'T');
    parseCached(recent, cache, 3);
    const kept = readdirSync(directory);
    expect(kept.length).toBeLessThanOrEqual(8);
    // what the last run used is what stays
    expect(reread(directory, recent).misses).toBe(0);
    // nothing but its own entries is ever removed
    const foreign = path.join(directory, 'notes.json');
    writeFileSync(foreign, '{}');
    utimesSync(foreign, new Date(1000), new Date(1000));
    parseCached(long(30).replace(/S/g, 'U'), cache, 3);
    expect(existsSync(foreign)).toBe(true);
    const bytes = new ParseCache(path.join(temporary(), 'cache'), { stamp: 's', maxBytes: 256 * 1024 });
    parseCached(long(400), bytes, 3);
    const total = readdirSync(bytes.directory).reduce((sum, name) => sum + readFileSync(path.join(bytes.directory, name)).length, 0);
    expect(total).toBeLessThanOrEqual(256 * 1024);
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
