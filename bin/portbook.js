#!/usr/bin/env node
// A tiny entry: answer `gen`/`check` from hashes when nothing changed, and
// load the full CLI (parser, template engine) only when something did.
import { fastPath } from '../dist/bundle/fast.mjs';

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
  const { main } = await import('../dist/bundle/cli.mjs');
  process.exitCode = await main(argv, io);
}
