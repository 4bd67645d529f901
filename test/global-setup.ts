import { execFileSync } from 'node:child_process';

/** The CLI tests run bin/portbook.cjs, which loads dist/ and dist/bundle/: build them once. */
export default function setup(): void {
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
}
