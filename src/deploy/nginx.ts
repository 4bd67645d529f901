/**
 * nginx on the host: a copy of its configuration tree (`/etc/nginx`, and the
 * directory portbook's files go to when that is elsewhere) in a scratch
 * directory, with the candidates in place of the deployed files; the paths
 * nginx would write (pid, logs) and, under `--root`, the files it reads
 * (certificates) moved so the copy loads as the host's would; then
 * `nginx -T` on it: its verdict, and the files it loaded with their text.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RenderOptions } from '../config/load.js';
import { PortbookError } from '../support/errors.js';
import { hostPathOf, readHost } from './host.js';
import { installDirectory } from './install.js';
import { dumpSections, replaceWords, type Statement, statements, type Word } from './nginx-config.js';
import { makeScratch, needConsumer, type Ran, spawnProgram } from './run.js';
import { inside, type Staged, stageTrees } from './stage.js';

/** Directives whose absolute paths name files nginx reads when it loads: under `--root`, they are the root's. */
const readsFile = new Set([
  'ssl_certificate',
  'ssl_certificate_key',
  'ssl_trusted_certificate',
  'ssl_client_certificate',
  'ssl_dhparam',
  'ssl_crl',
  'ssl_password_file',
  'ssl_stapling_file',
  'ssl_session_ticket_key',
  'proxy_ssl_certificate',
  'proxy_ssl_certificate_key',
  'proxy_ssl_trusted_certificate',
  'auth_basic_user_file',
]);

/** The words of one file to move: includes into the copy, pid and logs into the scratch directory, read files into the root. */
function moves(
  statement: Statement,
  stagedPath: Staged['stagedPath'],
  root: string,
  scratch: string,
  logs: { count: number },
): Array<{ word: Word; value: string }> {
  const [first] = statement.args;
  if (!first) return [];
  const name = statement.name.text;
  if (name === 'include' && first.text.startsWith('/')) {
    const staged = stagedPath(first.text);
    if (staged !== undefined) return [{ word: first, value: staged }];
    return root === '/' ? [] : [{ word: first, value: root + first.text }];
  }
  if (name === 'pid') return [{ word: first, value: path.join(scratch, 'nginx.pid') }];
  if ((name === 'error_log' || name === 'access_log') && !/^(off|stderr|syslog:|memory:)/.test(first.text)) {
    return [{ word: first, value: path.join(scratch, 'logs', `${++logs.count}.log`) }];
  }
  if (root !== '/' && readsFile.has(name) && first.text.startsWith('/')) return [{ word: first, value: root + first.text }];
  return [];
}

export interface NginxRun {
  /** `nginx -T`'s verdict, its messages with the copy's paths shown as the host's. */
  ran: Ran;
  /** The files it loaded (host paths) and their text, when it passed. */
  sections: Array<{ file: string; text: string }>;
}

/**
 * Load the host's nginx configuration (under `root`) with `candidates` (host
 * path → text) in place and `removed` taken out, with `nginx -T`. Nothing of
 * the host is changed: the copy is in a scratch directory, removed after.
 */
export function loadNginx(
  root: string,
  options: Pick<RenderOptions, 'deploy'>,
  candidates: ReadonlyMap<string, string> = new Map(),
  removed: ReadonlySet<string> = new Set(),
): NginxRun {
  const config = options.deploy.nginxConfig;
  if (readHost(root, config) === undefined) {
    throw new PortbookError(
      `Cannot load nginx's configuration: there is no ${config}${root === '/' ? '' : ` under ${root}`}; install nginx, or name its main file in the config's deploy.nginxConfig`,
    );
  }
  const program = needConsumer('/usr/sbin/nginx', "the host's nginx configuration", 'apt-get install nginx');
  const scratch = makeScratch(os.tmpdir());
  try {
    const own = installDirectory(options, 'nginx');
    const hosts = [path.posix.dirname(config), ...(own && !inside(own, path.posix.dirname(config)) ? [own] : [])];
    const { stagedPath, asHost, files } = stageTrees(root, hosts, scratch, candidates, removed);
    const logs = { count: 0 };
    for (const file of files()) {
      if (statSync(file).size > 4 * 1024 * 1024) continue; // not a configuration file
      const text = readFileSync(file, 'utf8');
      const moved = statements(text).flatMap((statement) => moves(statement, stagedPath, root, scratch, logs));
      if (moved.length > 0) writeFileSync(file, replaceWords(text, moved));
    }
    mkdirSync(path.join(scratch, 'logs'), { recursive: true });
    const run = spawnProgram([program, '-T', '-q', '-e', 'stderr', '-c', stagedPath(config)!], { cwd: scratch, show: ['nginx', '-T', '-c', config] });
    // nginx's own log prefix (a time and its pid) says nothing here
    const said = asHost(run.stderr.trim()).replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: /gm, 'nginx: [$1] ');
    const ran = { ...run.ran, output: run.ran.ok ? said : `${run.ran.output.split('\n')[0]}${said === '' ? '' : `\n${said}`}` };
    if (!ran.ok) return { ran, sections: [] };
    const sections = dumpSections(run.stdout).map(({ file, text }) => ({ file: hostPathOf(root, asHost(file)) ?? asHost(file), text }));
    return { ran, sections };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
