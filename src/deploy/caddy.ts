/**
 * Caddy on the host: a copy of its configuration directory (that of the main
 * Caddyfile, `deploy.caddyConfig`, and portbook's own when it is elsewhere)
 * in a scratch directory, with the candidates in place and the files that go
 * taken out, its absolute `import` paths and the certificate and key files
 * of its `tls` lines pointed into the copy (under `--root`, into the root);
 * then `checkCaddy` on the copy's main Caddyfile, with Caddy's data and
 * config directories in the scratch directory too. The
 * main Caddyfile must import portbook's files, or the sites are never served.
 */
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RenderOptions } from '../config/load.js';
import { PortbookError } from '../support/errors.js';
import { readHost } from './host.js';
import { installDirectory } from './install.js';
import type { HostChange } from './plan.js';
import { checkVerdict, makeScratch, type Ran, spawnProgram } from './run.js';
import { includedBy, inside, stageTrees } from './stage.js';

/** The file patterns a Caddyfile's `import` lines name, relative ones against its directory (snippet names, without `/` or `.`, left out). */
export function caddyImports(text: string, file: string): string[] {
  const found: string[] = [];
  for (const line of text.split('\n')) {
    const pattern = /^\s*import\s+(\S+)/.exec(line)?.[1];
    if (pattern === undefined || !/[/.*]/.test(pattern)) continue;
    found.push(path.posix.resolve(path.posix.dirname(file), pattern));
  }
  return found;
}

/** Why the main Caddyfile (as it will be) does not read the written candidates, if it does not. */
function unimported(main: string, config: string, changes: readonly HostChange[], own: string): string | undefined {
  const imports = caddyImports(main, config);
  const unread = changes.filter((change) => change.after !== undefined && !includedBy(imports, change.path)).map((change) => change.path);
  if (unread.length === 0) return undefined;
  const dir = path.posix.dirname(config);
  const pattern = `${inside(own, dir) ? path.posix.relative(dir, own) : own}/*.caddyfile`;
  return `caddy loads ${config}, but not ${unread.join(', ')}: add \`import ${pattern}\` to it, or set deploy.caddy to a directory it imports`;
}

/** Load the host's Caddyfile (under `root`) with the caddy changes in place, with `checkCaddy`. Nothing of the host changes. */
export function checkCaddy(root: string, options: Pick<RenderOptions, 'deploy'>, changes: readonly HostChange[]): Ran {
  const config = options.deploy.caddyConfig;
  const main = changes.find((change) => change.path === config)?.after ?? readHost(root, config);
  if (main === undefined) {
    throw new PortbookError(
      `Cannot check the Caddy sites: there is no ${config}${root === '/' ? '' : ` under ${root}`}; install caddy, or name its main file in the config's deploy.caddyConfig`,
    );
  }
  const words = options.deploy.commands.checkCaddy;
  const shownWords = words.map((word) => (word === '{file}' ? config : word));
  const own = installDirectory(options, 'caddy')!;
  const missing = unimported(main, config, changes, own);
  if (missing !== undefined) return { command: shownWords.join(' '), ok: false, output: missing };
  const scratch = makeScratch(os.tmpdir());
  try {
    const hosts = [path.posix.dirname(config), ...(inside(own, path.posix.dirname(config)) ? [] : [own])];
    const written = new Map(changes.filter((change) => change.after !== undefined).map((change) => [change.path, change.after!]));
    const removed = new Set(changes.filter((change) => change.after === undefined).map((change) => change.path));
    const { stagedPath, asHost, files } = stageTrees(root, hosts, scratch, written, removed);
    /** A host path as the copy reads it: the staged file, else the file under --root. */
    const underRoot = (target: string): string => stagedPath(target) ?? (root === '/' ? target : root + target);
    for (const file of files()) {
      if (statSync(file).size > 4 * 1024 * 1024) continue; // not a Caddyfile
      const text = readFileSync(file, 'utf8');
      const moved = text
        .replace(/^(\s*import\s+)(\/\S*)/gm, (_line, start: string, target: string) => start + underRoot(target))
        // a site's own certificate and key (`tls /etc/ssl/site.pem /etc/ssl/site.key`) are the host's files too: caddy loads them to validate
        .replace(
          /^(\s*tls\s+)(\/\S*)(\s+)(\/\S*)/gm,
          (_line, start: string, cert: string, gap: string, key: string) => start + underRoot(cert) + gap + underRoot(key),
        );
      if (moved !== text) writeFileSync(file, moved);
    }
    const home = path.join(scratch, 'home');
    const env = { ...process.env, HOME: home, XDG_DATA_HOME: path.join(home, 'data'), XDG_CONFIG_HOME: path.join(home, 'config') };
    const run = spawnProgram(
      words.map((word) => (word === '{file}' ? stagedPath(config)! : word)),
      { env, cwd: scratch, show: shownWords },
    );
    // Caddy's JSON log lines say nothing about the verdict
    const said = asHost(run.ran.output)
      .split('\n')
      .filter((line) => !line.startsWith('{"level"'))
      .join('\n')
      .trim();
    return { ...checkVerdict(run.ran, 'the Caddy sites'), output: said };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
