/** `fix-encoding`: rewrite a double-encoded registry (`âœ…` for `✅`) as the UTF-8 it meant. */
import { loadConfig, type PathOptions, displayPath as shownPath } from '../config/load.js';
import { hasErrors } from '../diagnostics/report.js';
import { read } from '../read/index.js';
import { PortbookError } from '../support/errors.js';
import { replaceFile } from '../write/index.js';
import { readSource } from './build.js';

/** Rewrite a double-encoded source as the UTF-8 it meant. Returns whether anything changed. */
export function fixEncoding(options: PathOptions = {}): { displayPath: string; repaired: boolean } {
  const config = loadConfig(options);
  const cwd = options.cwd ?? process.cwd();
  const displayPath = shownPath(config.source, cwd);
  const source = read(readSource(config.source, displayPath, { root: config.root, cwd }), displayPath);
  if (hasErrors(source.file)) {
    throw new PortbookError(`${displayPath}: not UTF-8 text; convert it to UTF-8 first`, 1);
  }
  if (!source.mojibake) return { displayPath, repaired: false };
  replaceFile(config.source, source.repaired);
  return { displayPath, repaired: true };
}
