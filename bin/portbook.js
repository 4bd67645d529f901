#!/usr/bin/env node
// A tiny entry: answer `gen`/`check` from hashes when nothing changed, and
// load the full CLI (parser, template engine) only when something did,
// through V8's code cache (see src/compile-cache.ts).
import { fastPath, loadWithCodeCache } from '../dist/bundle/fast.mjs';

// a reader that stops early (`portbook gen --dry-run | head`) is not an error
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const argv = process.argv.slice(2);
const io = { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text), cwd: process.cwd(), tty: process.stderr.isTTY === true };
const code = fastPath(argv, io);
if (code !== undefined) {
  process.exitCode = code;
} else {
  const cli = loadWithCodeCache(new URL('../dist/bundle/cli.cjs', import.meta.url).pathname);
  process.exitCode = await cli.exports.main(argv, io);
  // cache what a gen or check compiled: the code the next run needs
  if (argv[0] === 'gen' || argv[0] === 'check') cli.saveCache();
}
