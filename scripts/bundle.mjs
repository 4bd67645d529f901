// Bundle the CLI into minified CommonJS files: loader.cjs (the code-cache
// loader and the fast path's argument check, a few KB), fast.cjs (the no-change path, node builtins only),
// cli.cjs (everything a gen runs), and one bundle per package the CLI loads
// only on demand (src/support/on-demand.ts: Handlebars' compiler, for a
// project's own templates; the diff library, for a printed diff).
// bin/portbook.cjs loads fast.cjs through V8's code cache when the arguments
// are the fast path's, and cli.cjs the same way when fast.cjs cannot answer.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import Handlebars from 'handlebars';
// the TypeScript build (`npm run build` runs it first) holds the list of on-demand bundles and the bundles' key line
import { compileOptions } from '../dist/render/compile-options.js';
import { bundleKeyLine } from '../dist/support/compile-cache.js';
import { onDemandPackages } from '../dist/support/on-demand.js';

/**
 * portbook's own templates, precompiled (with the options the renderer uses):
 * in cli.cjs, src/render/precompiled.ts holds them as code, so a run with no
 * project overrides loads Handlebars' runtime alone, and their functions are
 * compiled once, into the code cache, not from strings on every run.
 */
const precompiledTemplates = {
  name: 'precompiled-templates',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]render[\\/]precompiled\.ts$/ }, () => {
      const entries = readdirSync('templates')
        .filter((file) => file.endsWith('.hbs') && !file.startsWith('_'))
        .sort()
        .map((name) => {
          const text = readFileSync(`templates/${name}`, 'utf8').replace(/\r\n?/g, '\n');
          const hash = createHash('sha256').update(text).digest('hex');
          return `${JSON.stringify(name)}: { hash: ${JSON.stringify(hash)}, spec: ${Handlebars.precompile(text, compileOptions([text]))} }`;
        });
      return { contents: `export const precompiled = {\n${entries.join(',\n')}\n};\n`, loader: 'js' };
    });
  },
};

// code caches of an earlier build: never used (each starts with its source's key), only in the way
const outdir = 'dist/bundle';
mkdirSync(outdir, { recursive: true });
for (const name of readdirSync(outdir).filter((file) => file.endsWith('.cache') || file.endsWith('.cjs'))) rmSync(path.join(outdir, name));

// all CommonJS: Node's ESM loader would add ~5 ms to every run, and V8's code
// cache (src/support/compile-cache.ts) compiles scripts, not modules
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  write: false,
  metafile: true,
};
const fromSources = {
  ...common,
  define: { 'import.meta.url': '__portbookUrl' },
  banner: { js: "var __portbookUrl = require('node:url').pathToFileURL(__filename).href;" },
};

/**
 * In cli.cjs: the code-cache loader is loader.cjs's (bin/portbook.cjs has
 * loaded it already), so the caches of the bundles cli.cjs loads on demand
 * are written with cli.cjs's and fast.cjs's, by the same `saveCodeCaches`.
 */
const sharedLoader = {
  name: 'shared-loader',
  setup(build) {
    build.onResolve({ filter: /\/compile-cache\.js$/ }, () => ({ path: './loader.cjs', external: true }));
  },
};

/**
 * A built-in module imported for its default export (`import path from
 * 'node:path'`, in 50 modules) is wrapped once, not once per module: esbuild
 * wraps each such import of a CommonJS module in an object of its own, every
 * property copied (about half a millisecond of every run's start). Built
 * only for that: a named import from one of these fails the build.
 */
const builtinsWrappedOnce = {
  name: 'builtins-wrapped-once',
  setup(build) {
    build.onResolve({ filter: /^node:(path|os|process)$/ }, (args) =>
      args.namespace === 'builtin-default' ? { path: args.path, external: true } : { path: args.path, namespace: 'builtin-default' },
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin-default' }, (args) => ({
      contents: `import builtin from ${JSON.stringify(args.path)};\nexport default builtin;\n`,
      loader: 'js',
    }));
  },
};

/**
 * micromark asks whether the character beside each `*` and `_` is Unicode
 * punctuation with `/\p{P}|\p{S}/u`, a pattern the bundle built at its start
 * and compiled at its first use (about half a millisecond of every run). In
 * cli.cjs an ASCII character, nearly every one there is, is answered by
 * micromark's own asciiPunctuation (P and S in ASCII are exactly its
 * ranges), and the pattern is built at the first that is not. The build stops
 * if micromark's line changes.
 */
const lazyUnicodePunctuation = {
  name: 'lazy-unicode-punctuation',
  setup(build) {
    build.onLoad({ filter: /[\\/]micromark-util-character[\\/](dev[\\/])?index\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const eager = 'export const unicodePunctuation = regexCheck(/\\p{P}|\\p{S}/u);';
      if (!source.includes(eager)) throw new Error(`${args.path} no longer says ${eager}: see lazyUnicodePunctuation in scripts/bundle.mjs`);
      const lazy = `let unicodePunctuationPattern;
export function unicodePunctuation(code) {
  if (code === null || code < 0) return false;
  if (code < 128) return asciiPunctuation(code);
  unicodePunctuationPattern ??= /\\p{P}|\\p{S}/u;
  return unicodePunctuationPattern.test(String.fromCharCode(code));
}`;
      return { contents: source.replace(eager, lazy), loader: 'js' };
    });
  },
};

/**
 * mdast-util-from-markdown calls the handler of each of a parse's events (some
 * 150,000 for 2,000 services) with `this` a fresh copy of its compile context
 * (`{ ...context, sliceSerialize }`): a ten-field object per event, all
 * garbage at once. No handler keeps `this` past its call or sets a field on
 * it (they keep their state in `this.data` and on the stacks), and events are
 * handled one after another, so in cli.cjs one context is given each event's
 * `sliceSerialize` and passed: measured 5 % of a cold gen of 2,000 services
 * and 11 MiB of its peak (docs/speed.md). The build stops if the code changes.
 */
const sharedCompileContext = {
  name: 'shared-compile-context',
  setup(build) {
    build.onLoad({ filter: /[\\/]mdast-util-from-markdown[\\/](dev[\\/])?lib[\\/]index\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const copy = /\{\n\s*\.\.\.context,\n\s*sliceSerialize: events\[index\]\[2\]\.sliceSerialize\n\s*\}/g;
      const found = source.match(copy)?.length ?? 0;
      if (found !== 3)
        throw new Error(
          `${args.path}: expected the compile context copied for 3 kinds of handler, found ${found}: see sharedCompileContext in scripts/bundle.mjs`,
        );
      return { contents: source.replace(copy, '(context.sliceSerialize = events[index][2].sliceSerialize, context)'), loader: 'js' };
    });
  },
};

/**
 * micromark-util-subtokenize keeps the jumps over a part's already-tokenized
 * content (one per table cell, some 11,000 for 2,000 services) in a plain
 * object keyed by event index (`index in jumps`, `Object.assign(jumps,
 * gaps)`): sparse integer keys, which V8 holds as a dictionary that is copied
 * into and looked up at every event. In cli.cjs they are a Map, and
 * `subcontent` sets its gaps in it directly: the same jumps, found the same
 * way. Measured paired: 5 % of a cold gen of 2,000 services (docs/speed.md).
 */
const jumpsInMap = [
  ['  const jumps = {};\n  let index = -1;', '  const jumps = new Map();\n  let index = -1;'],
  ['    while (index in jumps) {\n      index = jumps[index];\n    }', '    while (jumps.has(index)) {\n      index = jumps.get(index);\n    }'],
  [
    '        Object.assign(jumps, subcontent(events, index));\n        index = jumps[index];',
    '        subcontent(events, index, jumps);\n        index = jumps.get(index);',
  ],
  ['function subcontent(events, eventIndex) {', 'function subcontent(events, eventIndex, gaps) {'],
  ['  const gaps = {};\n', ''],
  ['    gaps[adjust + jumps[index][0]] = adjust + jumps[index][1];', '    gaps.set(adjust + jumps[index][0], adjust + jumps[index][1]);'],
];

/**
 * Each piece of inline text (a table cell, a paragraph's line, a heading) is
 * tokenized by a text tokenizer of its own: some 20 closures and objects, a
 * write, a resolve and a splice per cell, for what is most often plain words
 * (`PostgreSQL`, `✅ Active`, `Load test`). Text in which no character starts
 * an inline construct of the parser (`context.parser.constructs.text`, so
 * whatever extensions it has) comes out of that tokenizer as one `data` token
 * from its first character to its last: in cli.cjs such text becomes that
 * token at once, with the same points, serialised by the tokenizer that holds
 * its characters. Only a single line (a token with no link to a next or a
 * previous one), no tab or control character, and no space at either end
 * (trailing spaces are a line suffix). The one construct allowed is GFM's
 * `www.`/`http(s):` autolink literal, which starts at `h` and `w` and can only
 * match where the text holds `www.`, `http:` or `https:`: text that holds none
 * of them is plain. Measured paired (41 runs): 2 % of a cold gen of 2,000
 * services, and 15 % of a parse once micromark is hot (docs/speed.md).
 * test/parse-cache.test.ts compares the bundle's trees with the sources' on
 * random documents of such near misses.
 */
const plainTextWithoutTokenizer = [
  [
    "    if (event[0] === 'enter') {\n      if (event[1].contentType) {\n",
    "    if (event[0] === 'enter') {\n      if (event[1].contentType === 'text' && plainText(events, index)) {\n        index++;\n      } else if (event[1].contentType) {\n",
  ],
  [
    '/**\n * Tokenize embedded tokens.',
    `/** Whether the text token entered at \`index\` is plain (see plainTextWithoutTokenizer in scripts/bundle.mjs): then it is made the one data token it would tokenize to. */
function plainText(events, index) {
  const enter = events.get(index);
  const token = enter[1];
  if (token._tokenizer || token.next || token.previous || token._contentTypeTextTrailing) return false;
  const exit = events.get(index + 1);
  if (exit === undefined || exit[0] !== 'exit') return false;
  const context = enter[2];
  const text = context.sliceSerialize(token);
  if (text.length === 0 || text.charCodeAt(0) === 32 || text.charCodeAt(text.length - 1) === 32) return false;
  const constructs = context.parser.constructs.text;
  let literals = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 32 || code === 127) return false;
    // combineExtensions keeps a list per character code in a plain object: no code is a key of Object.prototype
    const list = constructs[code];
    if (list === undefined) continue;
    for (const construct of list) {
      if (construct.name !== 'wwwAutolink' && construct.name !== 'protocolAutolink') return false;
    }
    if (!literals) {
      const lower = text.toLowerCase();
      if (lower.includes('www.') || lower.includes('http:') || lower.includes('https:')) return false;
      literals = true;
    }
  }
  const data = { type: 'data', start: { ...token.start }, end: { ...token.end } };
  enter[1] = data;
  exit[1] = data;
  exit[2] = context;
  return true;
}

/**
 * Tokenize embedded tokens.`,
  ],
];

/**
 * cli.cjs's patches of micromark-util-subtokenize (above), applied in order;
 * the build stops if the code they edit changes.
 */
const subtokenizePatches = {
  name: 'subtokenize-patches',
  setup(build) {
    build.onLoad({ filter: /[\\/]micromark-util-subtokenize[\\/](dev[\\/])?index\.js$/ }, async (args) => {
      let source = await readFile(args.path, 'utf8');
      for (const [patch, edits] of Object.entries({ jumpsInMap, plainTextWithoutTokenizer })) {
        for (const [from, to] of edits) {
          if (source.split(from).length !== 2) throw new Error(`${args.path} no longer holds ${JSON.stringify(from)} once: see ${patch} in scripts/bundle.mjs`);
          source = source.replace(from, () => to);
        }
      }
      return { contents: source, loader: 'js' };
    });
  },
};

/**
 * portbook reads Markdown and never writes it, but remark-gfm registers its
 * serialiser extensions (and with them most of mdast-util-to-markdown) when
 * it is used: in cli.cjs, mdast-util-gfm's `gfmToMarkdown` is an empty
 * extension. The build stops if anything in cli.cjs comes to need
 * mdast-util-to-markdown: GFM would then be written without its extensions.
 */
const readOnlyGfm = {
  name: 'read-only-gfm',
  setup(build) {
    build.onResolve({ filter: /^mdast-util-gfm$/ }, (args) =>
      args.importer.includes(`${path.sep}remark-gfm${path.sep}`)
        ? { path: 'mdast-util-gfm', namespace: 'read-only-gfm', pluginData: args.resolveDir }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'read-only-gfm' }, (args) => ({
      contents: "export { gfmFromMarkdown } from 'mdast-util-gfm';\nexport function gfmToMarkdown() { return { extensions: [] }; }\n",
      resolveDir: args.pluginData,
      loader: 'js',
    }));
  },
};

const results = [
  // the entry's first step, which bin/portbook.cjs compiles as it is: the code-cache loader, the fast path's argument check
  await build({ ...fromSources, entryPoints: { loader: 'src/cli/entry.ts' }, outdir, outExtension: { '.js': '.cjs' } }),
  // the no-change path, node builtins only
  await build({ ...fromSources, entryPoints: { fast: 'src/cli/fast.ts' }, outdir, outExtension: { '.js': '.cjs' }, plugins: [builtinsWrappedOnce] }),
  // what a gen runs
  await build({
    ...fromSources,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir,
    outExtension: { '.js': '.cjs' },
    define: { ...fromSources.define, PORTBOOK_ON_DEMAND_BUNDLES: 'true' },
    plugins: [sharedLoader, builtinsWrappedOnce, lazyUnicodePunctuation, sharedCompileContext, subtokenizePatches, readOnlyGfm, precompiledTemplates],
  }),
  // the rest, one bundle each
  ...(await Promise.all(
    Object.entries(onDemandPackages).map(([name, pkg]) =>
      build({
        ...common,
        stdin: { contents: `module.exports = require(${JSON.stringify(pkg)});`, resolveDir: '.', sourcefile: `${name}.cjs`, loader: 'js' },
        outfile: path.join(outdir, `${name}.cjs`),
      }),
    ),
  )),
];

const [cliOutput] = Object.values(results[2].metafile.outputs);
const cliInputs = Object.entries(cliOutput.inputs)
  .filter(([, input]) => input.bytesInOutput > 0)
  .map(([file]) => file);
const offending = cliInputs.filter((input) => /node_modules\/(mdast-util-to-markdown|handlebars\/dist\/cjs\/handlebars\/compiler|diff)\//.test(input));
if (offending.length > 0) throw new Error(`cli.cjs must not bundle what it loads on demand or never calls, but bundles:\n${offending.join('\n')}`);

// ASCII only: one non-ASCII character (esbuild escapes strings, not every regular expression: write those
// with \u escapes) makes V8 hold the whole bundle's source as two-byte text, decoded and kept at twice the size
for (const { outputFiles } of results.slice(0, 3)) {
  for (const { path: file, text } of outputFiles) {
    const line = text.split('\n').findIndex((content) => /[^\x00-\x7f]/.test(content));
    if (line !== -1) throw new Error(`${path.relative('.', file)}:${line + 1} holds a non-ASCII character: write it as an escape in the source`);
  }
}
// each bundle starts with its key (src/support/compile-cache.ts): no run hashes a bundle to find its code cache
for (const { outputFiles } of results) {
  for (const { path: file, text } of outputFiles) writeFileSync(file, bundleKeyLine(text) + text);
}
// `BUNDLE_METAFILE=meta.json npm run build`: what cli.cjs holds, for esbuild's analyzer (esbuild.github.io/analyze)
if (process.env.BUNDLE_METAFILE) writeFileSync(process.env.BUNDLE_METAFILE, JSON.stringify(results[2].metafile));
