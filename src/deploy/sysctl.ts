/**
 * The kernel on the host: the sysctl target's file read with the target's
 * own grammar before it is installed. A project's templates/ may override
 * the target's template, so the candidate is held to what the target writes:
 * comments, blank lines and `net.ipv4.ip_local_reserved_ports = <ports>`,
 * once, its ports 1-65535 as ascending `port` or `from-to` items. The
 * kernel's own verdict comes from `deploy.commands.checkSysctl` (by default
 * `sysctl -p` in a private network namespace, where the setting lives per
 * namespace: the host's value does not change).
 */
import type { Ran } from './run.js';

/** The keys the sysctl target writes (targets/sysctl.ts). */
export const sysctlKeys: readonly string[] = ['net.ipv4.ip_local_reserved_ports'];

/** What is wrong with one value of `net.ipv4.ip_local_reserved_ports`, if anything. */
function reservedPortsProblem(value: string): string | undefined {
  if (value === '') return undefined;
  let last = 0;
  for (const item of value.split(',')) {
    const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(item);
    if (!match) return `\`${item}\` is not a port or a range from-to`;
    const from = Number(match[1]);
    const to = Number(match[2] ?? match[1]);
    if (from < 1 || to > 65535 || from > to) return `\`${item}\` is not within 1-65535, from before to`;
    if (from <= last) return `\`${item}\` is not after the item before it`;
    last = to;
  }
  return undefined;
}

/** The candidate `text` of the host file `hostPath` against the sysctl target's grammar: a verdict as the checks show it. */
export function checkSysctlGrammar(hostPath: string, text: string): Ran {
  const command = `sysctl.d grammar of ${hostPath} (portbook)`;
  const seen = new Set<string>();
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const fail = (why: string): Ran => ({ command, ok: false, output: `${hostPath}:${index + 1}: ${why}` });
    const match = /^-?([A-Za-z0-9_./-]+)\s*=\s*(.*)$/.exec(trimmed);
    if (!match) return fail('not `key = value`, a comment or a blank line');
    const key = match[1]!.replaceAll('/', '.');
    if (!sysctlKeys.includes(key)) return fail(`\`${key}\` is not a key the sysctl target writes (${sysctlKeys.join(', ')})`);
    if (seen.has(key)) return fail(`\`${key}\` is set twice`);
    seen.add(key);
    const problem = reservedPortsProblem(match[2]!);
    if (problem !== undefined) return fail(`${key}: ${problem}`);
  }
  return { command, ok: true, output: '' };
}
