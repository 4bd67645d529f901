/**
 * nftables on the host: whether the ruleset its service loads at boot
 * (Debian's `/etc/nftables.conf`, `deploy.nftablesConfig`) includes
 * portbook's file. `nft -f` loads the file now either way; without the
 * include, the table is gone after the next boot, so deploy says what line to add.
 */
import path from 'node:path';
import type { RenderOptions } from '../config/load.js';
import { readHost } from './host.js';
import { includedBy } from './stage.js';

/** The paths the main ruleset's `include` lines name (relative ones against its directory), as written. */
export function nftIncludes(text: string, config: string): string[] {
  const includes: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^\s*include\s+"([^"]+)"/.exec(line);
    if (match) includes.push(path.posix.resolve(path.posix.dirname(config), match[1]!));
  }
  return includes;
}

/** What to tell the team when the host's boot ruleset does not load `hostPath`; `undefined` when it does. */
export function nftablesBootNote(root: string, options: Pick<RenderOptions, 'deploy'>, hostPath: string): string | undefined {
  const config = options.deploy.nftablesConfig;
  const line = `include "${path.posix.dirname(hostPath)}/*.nft"`;
  const text = readHost(root, config);
  if (text === undefined)
    return `there is no ${config} (deploy.nftablesConfig): nft -f loads ${hostPath} now, but nothing loads it at boot; have the boot ruleset \`${line}\``;
  if (includedBy(nftIncludes(text, config), hostPath)) return undefined;
  return `${config}, which nftables.service loads at boot, does not include ${hostPath}: nft -f loads it now, but after a reboot the table is gone; add \`${line}\` at its end`;
}
