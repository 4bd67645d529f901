// Bundle the CLI into two minified CommonJS files: fast.cjs (the no-change path
// and the code-cache loader, node builtins only) and cli.cjs (everything).
// bin/portbook.cjs loads the second, through V8's code cache, only when the
// first cannot answer.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';
import Handlebars from 'handlebars';

// portbook's own templates, precompiled (with the options the renderer uses), so
// a run with no project overrides skips Handlebars' parser and code generator
const precompiled = {};
for (const name of readdirSync('templates').filter((file) => file.endsWith('.hbs'))) {
  const text = readFileSync(`templates/${name}`, 'utf8').replace(/\r\n?/g, '\n');
  precompiled[name] = {
    hash: createHash('sha256').update(text).digest('hex'),
    spec: Handlebars.precompile(text, { noEscape: true, strict: true }),
  };
}

// code caches of an earlier build: never used (each starts with its source's hash), only in the way
const stale = existsSync('dist/bundle') ? readdirSync('dist/bundle').filter((name) => name.endsWith('.cache')) : [];
for (const name of stale) rmSync(`dist/bundle/${name}`);

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
};
// both CommonJS: Node's ESM loader would add ~5 ms to every run, and V8's code
// cache (src/support/compile-cache.ts) compiles scripts, not modules
const commonjs = {
  ...common,
  outdir: 'dist/bundle',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  define: { PORTBOOK_PRECOMPILED: JSON.stringify(JSON.stringify(precompiled)), 'import.meta.url': '__portbookUrl' },
  banner: { js: "var __portbookUrl = require('node:url').pathToFileURL(__filename).href;" },
};
// the entry's first step: the no-change path and the code-cache loader, node builtins only
await build({ ...commonjs, entryPoints: { fast: 'src/cli/fast.ts' } });
// everything else
await build({ ...commonjs, entryPoints: { cli: 'src/cli/main.ts' } });
