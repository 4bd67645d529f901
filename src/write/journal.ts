/**
 * The journal: what a run is about to replace, written to `--out` (and
 * flushed) before its first rename and removed after its last step. Each
 * rename is atomic, but a run killed among them (or one whose rename failed)
 * leaves some files new and the others old; while the journal stands, `check`
 * and `gen` say that the last run was interrupted and which files are from
 * which run, the fast path never answers "up to date", and the next gen
 * finishes what the journal lists (removals included) before removing it.
 */
import path from 'node:path';
import { sha256Hex } from '../support/hash.js';
import { readIfExists } from './files.js';

export const journalName = '.portbook-journal.json';

/** A file's content before and after the run, as SHA-256 hashes; `null`: not there. */
export interface JournalEntry {
  before: string | null;
  after: string | null;
}

export interface Journal {
  $comment: string;
  /** The process that wrote it. */
  pid: number;
  /** When it began replacing files (ISO 8601). */
  started: string;
  /** The registry, when the run rewrote its diagram block: its path relative to `--out`. */
  registry?: JournalEntry & { path: string };
  /** Out-relative path → what the run was replacing it with. */
  files: Record<string, JournalEntry>;
}

const comment =
  'portbook writes this file before it replaces the files below and removes it when it is done. ' +
  'If you can read it, that run was interrupted: some files are as it meant them, the others as they were before. ' +
  '`portbook check` says which; `portbook gen` finishes the job and removes this file.';

/** The journal's text for a run that replaces `files` (and the registry, when given). */
export function journalFor(files: Record<string, JournalEntry>, registry: (JournalEntry & { path: string }) | undefined): string {
  const journal: Journal = { $comment: comment, pid: process.pid, started: new Date().toISOString(), ...(registry ? { registry } : {}), files };
  return `${JSON.stringify(journal, null, 2)}\n`;
}

/** A file's hash as the journal records it (`null`: missing). */
export function hashOf(content: string | undefined): string | null {
  return content === undefined ? null : sha256Hex(content);
}

/** The journal in `out`, or `undefined` when there is none; one that cannot be parsed still says a run was interrupted, with no files. */
export function readJournal(out: string): { text: string; journal: Journal } | undefined {
  const text = readIfExists(path.join(out, journalName));
  if (text === undefined) return undefined;
  let journal: Journal;
  try {
    const value = JSON.parse(text) as Partial<Journal>;
    journal = {
      $comment: comment,
      pid: typeof value.pid === 'number' ? value.pid : 0,
      started: typeof value.started === 'string' ? value.started : '',
      ...(isEntry(value.registry) && typeof value.registry.path === 'string' ? { registry: value.registry } : {}),
      files: Object.fromEntries(
        Object.entries(typeof value.files === 'object' && value.files !== null ? value.files : {}).filter(([, entry]) => isEntry(entry)),
      ),
    };
  } catch {
    journal = { $comment: comment, pid: 0, started: '', files: {} };
  }
  return { text, journal };
}

function isEntry(value: unknown): value is JournalEntry {
  if (typeof value !== 'object' || value === null) return false;
  const { before, after } = value as Partial<JournalEntry>;
  return (before === null || typeof before === 'string') && (after === null || typeof after === 'string');
}

/** Where a file stands against a journal entry: as the interrupted run meant it, as it was before that run, or neither (changed since). */
export type JournalState = 'new' | 'old' | 'changed';

export function stateOf(entry: JournalEntry, content: string | undefined): JournalState {
  const hashes: Array<string | null> =
    content === undefined ? [null] : [sha256Hex(content), ...(content.includes('\r\n') ? [sha256Hex(content.replaceAll('\r\n', '\n'))] : [])];
  if (hashes.includes(entry.after)) return 'new';
  if (hashes.includes(entry.before)) return 'old';
  return 'changed';
}
