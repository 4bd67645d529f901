import { execFileSync } from 'node:child_process';

/** The CLI tests run bin/portbook.js, which loads dist/: build it once. */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}
