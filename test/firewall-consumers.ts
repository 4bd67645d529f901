/**
 * The real consumers of the firewall and kernel outputs, run so that the
 * host is never touched: nft and sysctl inside a private network namespace
 * (`unshare -n`; `unshare -rn`, with a user namespace where the caller is
 * root, when the tests do not run as root), ufw with `--dry-run` against a
 * state directory of its own made from the package's pristine files. Each
 * works in directories from the caller, who owns the cleanup.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Run, run } from './consumers.js';

/** The first of the usual paths that exists (sbin is not always on PATH), else the bare name. */
const program = (...usual: string[]): string => usual.find((file) => existsSync(file)) ?? path.basename(usual[0]!);
export const nft = program('/usr/sbin/nft', '/sbin/nft');
export const ufw = program('/usr/sbin/ufw', '/sbin/ufw');
export const sysctl = program('/usr/sbin/sysctl', '/sbin/sysctl');
export const unshare = program('/usr/bin/unshare', '/bin/unshare');

export const asRoot = process.getuid?.() === 0;
/** unshare's options for a private network namespace: `-n` as root, else `-rn` (a user namespace too, in which the caller is root). */
export const privateNetwork: readonly string[] = asRoot ? ['-n'] : ['-r', '-n'];

const onPath = (name: string): boolean => spawnSync(name, ['--version'], { stdio: 'ignore' }).error === undefined;
const missing = [
  [nft, 'nftables'],
  [ufw, 'ufw'],
  [sysctl, 'procps'],
  [unshare, 'util-linux'],
].filter(([command]) => !onPath(command!));
/** Why a private network namespace cannot be made here (a container without the capability, user namespaces turned off), if it cannot. */
const unshareRefused = ((): string | undefined => {
  if (missing.length > 0) return undefined;
  const tried = spawnSync(unshare, [...privateNetwork, 'true'], { encoding: 'utf8', timeout: 60_000 });
  return tried.status === 0 ? undefined : `\`unshare ${privateNetwork.join(' ')} true\` failed: ${(tried.stderr || String(tried.error)).trim()}`;
})();

/**
 * The consumers must be installed and a private network namespace allowed
 * (`.ci/run` installs them). Outside CI a machine without them skips these
 * checks and says why; in CI (CI=true) the run fails instead.
 */
export const skipFirewallConsumers = (missing.length > 0 || unshareRefused !== undefined) && !process.env.CI;
export function warnIfFirewallSkipped(file: string): void {
  if (!skipFirewallConsumers) return;
  const reasons = [
    ...(missing.length > 0
      ? [`${missing.map(([command]) => command).join(', ')} not found: install with apt-get install -y ${missing.map(([, pkg]) => pkg).join(' ')}`]
      : []),
    ...(unshareRefused ? [`${unshareRefused}: run where network namespaces may be made (root, or unprivileged user namespaces)`] : []),
  ];
  console.warn(`${file}: firewall consumer checks skipped: ${reasons.join('; ')}`);
}

/** `sh -c script` inside a private network namespace, with `args` as `$1`…: nothing it does reaches the host's network stack. */
export function inPrivateNetwork(script: string, args: readonly string[]): Run {
  return run(unshare, [...privateNetwork, 'sh', '-c', script, 'sh', ...args]);
}

/** `nft -c -f FILE` in a private network namespace: parsed and checked by the kernel, loaded nowhere. */
export const nftCheck = (file: string): Run => run(unshare, [...privateNetwork, nft, '-c', '-f', file]);

/** `nft -f FILE` twice (the file replaces its table), then `nft list table inet portbook`, in one private network namespace. */
export const nftLoadAndList = (file: string): Run =>
  inPrivateNetwork('"$1" -f "$2" && "$1" -f "$2" && "$1" list table inet portbook && "$1" list tables', [nft, file]);

/** `sysctl -p FILE` in a private network namespace, then what the kernel holds there for the reserved ports. */
export const sysctlApply = (file: string): Run => inPrivateNetwork('"$1" -p "$2" >/dev/null && cat /proc/sys/net/ipv4/ip_local_reserved_ports', [sysctl, file]);

/**
 * A ufw state directory of its own in `dir` (for `--rootdir` and `--datadir`):
 * the package's pristine rules and ufw.conf, Debian's defaults, ufw-init,
 * and an empty applications.d. ufw reads nothing of the host's /etc/ufw then.
 */
export function ufwState(dir: string): string {
  const state = path.join(dir, 'ufw-state');
  mkdirSync(path.join(state, 'etc/ufw/applications.d'), { recursive: true });
  mkdirSync(path.join(state, 'etc/default'), { recursive: true });
  mkdirSync(path.join(state, 'lib/ufw'), { recursive: true });
  for (const rules of ['user', 'user6', 'before', 'before6', 'after', 'after6']) {
    cpSync(`/usr/share/ufw/iptables/${rules}.rules`, path.join(state, `etc/ufw/${rules}.rules`));
  }
  cpSync('/usr/share/ufw/ufw.conf', path.join(state, 'etc/ufw/ufw.conf'));
  cpSync('/etc/default/ufw', path.join(state, 'etc/default/ufw'));
  cpSync('/lib/ufw/ufw-init', path.join(state, 'lib/ufw/ufw-init'));
  return state;
}

/**
 * Run a generated ufw script with every `ufw` in it as `ufw --dry-run`
 * against `state` (ufwState): each line is parsed and turned into rules that
 * are printed, and nothing is written. ufw wants uid 0: as another user it
 * runs in a user namespace where the caller is root.
 */
export function ufwDryRun(script: string, state: string): Run {
  // `.` looks a name without a slash up on PATH: give it the absolute path
  const wrapped = ['sh', '-c', 'ufw() { "$UFW" --rootdir="$STATE" --datadir="$STATE" --dry-run "$@"; }; . "$1"', 'sh', path.resolve(script)];
  const env = { ...process.env, UFW: ufw, STATE: state };
  return asRoot ? run(wrapped[0]!, wrapped.slice(1), { env }) : run(unshare, ['-r', ...wrapped], { env });
}
