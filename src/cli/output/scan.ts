/** What `scan` prints: the three groups, the process behind each unregistered listener, and with --strict why it fails. */

import type { ScanResult } from '../../commands/scan.js';
import type { ScanEntry } from '../../host/scan.js';
import { visible, visibleJson } from '../../support/visible.js';
import { count, type Io } from './common.js';

/**
 * The three groups, the process behind each unregistered listener; with
 * `strict`, exit 1 (and say why) when a registered service is not
 * listening or a listener in a reserved range is not registered.
 */
export function printScan(
  { entries, down, unregistered }: ScanResult,
  options: { json: boolean; strict: boolean; environment: string | undefined },
  io: Io,
): number {
  const failed = options.strict && down.length + unregistered.length > 0;
  const why = [
    down.length > 0
      ? `${count(down.length, 'registered service')} ${down.length === 1 ? 'is' : 'are'} not listening${options.environment ? ` (${options.environment})` : ''}`
      : '',
    unregistered.length > 0 ? `${count(unregistered.length, 'listener')} in a reserved range ${unregistered.length === 1 ? 'is' : 'are'} not registered` : '',
  ].filter(Boolean);
  const verdict = `scan --strict fails: ${why.join(', and ')}.`;
  if (options.json) {
    io.stdout(`${visibleJson(entries)}\n`);
    if (failed) io.stderr(`portbook: ${verdict}\n`);
    return failed ? 1 : 0;
  }
  const groups: Array<[string, ScanEntry[]]> = [
    ['registered and listening', entries.filter((entry) => entry.service !== null && entry.listening)],
    ['registered but not listening', down],
    ['listening in a reserved range but not registered', unregistered],
  ];
  for (const [title, list] of groups) {
    io.stdout(`${title} (${list.length}):\n`);
    for (const entry of list) {
      const where = entry.addresses.length > 0 ? ` on ${[...new Set(entry.addresses)].join(', ')}` : '';
      const who = entry.service === null && entry.process ? ` ${visible(entry.process.name)} (pid ${entry.process.pid})` : '';
      io.stdout(
        `  ${entry.port}  ${entry.service === null ? '?' : visible(entry.service)}${who}${entry.environment ? ` (${entry.environment})` : ''}${where}\n`,
      );
    }
  }
  if (failed) io.stdout(`\n${verdict} Register the listeners (\`portbook add\`) or stop them, and start the services or take them out of the registry.\n`);
  return failed ? 1 : 0;
}
