// Bundle the CLI into two minified ESM files: fast.mjs (the no-change path,
// node builtins only) and cli.mjs (everything). bin/portbook.js loads the
// second only when the first cannot answer.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
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

await build({
  entryPoints: { fast: 'src/fast.ts', cli: 'src/cli.ts' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { PORTBOOK_PRECOMPILED: JSON.stringify(JSON.stringify(precompiled)) },
  // CommonJS dependencies (handlebars) call require(): give the ESM bundle one
  banner: { js: "import { createRequire as __portbookRequire } from 'node:module'; const require = __portbookRequire(import.meta.url);" },
});
