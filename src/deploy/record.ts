/**
 * The host's record of what portbook deployed: `/var/lib/portbook/deployed.json`
 * under the root, one entry per project and environment, each host file with
 * the target that wrote it and the SHA-256 of what was written. Deploy removes
 * only files its own entry lists and that are still as written; drift reads it
 * to tell a file portbook deployed from one it did not.
 */
import { PortbookError } from '../support/errors.js';
import { readHost } from './host.js';

/** Where the record lives on the host. */
export const recordPath = '/var/lib/portbook/deployed.json';

export interface DeployedFile {
  target: string;
  sha256: string;
}

export interface DeployRecord {
  /** The registry it came from, as headers show it (`docs/PORTS.md`). */
  source: string;
  /** Host path → what was written there. */
  files: Record<string, DeployedFile>;
}

/** Entry key → entry: `production`, or with the config's deploy.name `shop/production`. */
export type DeployRecords = Record<string, DeployRecord>;

/** The key of a project's environment in the record. */
export function recordKey(name: string, environment: string): string {
  return name === '' ? environment : `${name}/${environment}`;
}

/** The project part of a key (`''` for none): entries of one project may share files (the nginx default server), other projects' may not. */
export function projectOf(key: string): string {
  return key.includes('/') ? key.slice(0, key.indexOf('/')) : '';
}

/**
 * The record on the host (empty when there is none). One that cannot be read
 * as a record stops the run (exit 2): writing a new one would forget what
 * other environments and projects deployed.
 */
export function readRecords(root: string): { records: DeployRecords; text: string | undefined } {
  const text = readHost(root, recordPath);
  if (text === undefined) return { records: {}, text };
  const broken = (why: string): never => {
    throw new PortbookError(
      `Cannot read ${recordPath}${root === '/' ? '' : ` under ${root}`}: ${why}; it lists what portbook deployed here, so deploy and drift stop rather than guess: restore it, or remove it to start over (then files portbook deployed are never removed by it)`,
    );
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return broken(`invalid JSON (${(error as Error).message})`);
  }
  const entries = (value as { records?: unknown } | null)?.records;
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) return broken('no "records" object');
  const records: DeployRecords = Object.create(null) as DeployRecords;
  for (const [key, entry] of Object.entries(entries as Record<string, unknown>)) {
    const files = (entry as { files?: unknown } | null)?.files;
    if (typeof files !== 'object' || files === null) return broken(`the entry ${JSON.stringify(key)} has no "files" object`);
    const checked: Record<string, DeployedFile> = Object.create(null) as Record<string, DeployedFile>;
    for (const [file, deployed] of Object.entries(files as Record<string, unknown>)) {
      const { target, sha256 } = (deployed ?? {}) as Partial<DeployedFile>;
      if (typeof target !== 'string' || typeof sha256 !== 'string') return broken(`${file} in ${JSON.stringify(key)} has no target and sha256`);
      checked[file] = { target, sha256 };
    }
    records[key] = { source: String((entry as { source?: unknown }).source ?? ''), files: checked };
  }
  return { records, text };
}

/** The record's text, entries and files in a stable order. */
export function recordsText(records: DeployRecords): string {
  const sorted = Object.fromEntries(
    Object.keys(records)
      .sort()
      .map((key) => {
        const { source, files } = records[key]!;
        return [
          key,
          {
            source,
            files: Object.fromEntries(
              Object.keys(files)
                .sort()
                .map((file) => [file, files[file]]),
            ),
          },
        ];
      }),
  );
  return `${JSON.stringify({ about: 'What portbook deploy installed on this host; portbook deploy and drift read it.', records: sorted }, null, 2)}\n`;
}
