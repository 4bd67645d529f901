/**
 * Build: one project's run of the pipeline up to the files, in memory:
 * read → extract → validate → render, plus the manifest and the registry's
 * own diagram block. Every command that writes starts here; nothing here writes.
 */
import path from 'node:path';
import { VFile } from 'vfile';
import type { VFileMessage } from 'vfile-message';
import { inputsHash, maxSourceBytes, templatesHash } from '../config/inputs.js';
import { type Config, loadConfig, type PathOptions, displayPath as shownPath } from '../config/load.js';
import { hasErrors, report, sortedMessages } from '../diagnostics/report.js';
import { extract } from '../extract/index.js';
import { read, readingMessages, type Source } from '../read/index.js';
import type { DiagramBlock, Point, Registry } from '../registry/types.js';
import { type RenderedFile, renderFiles } from '../render/index.js';
import { loadTemplates } from '../render/templates.js';
import { PortbookError } from '../support/errors.js';
import { joinLines, splitLines } from '../support/lines.js';
import { FileTooLarge, readRegularFile, whyUnreadable } from '../support/regular-file.js';
import { diagramFile } from '../targets/diagram.js';
import { validate } from '../validate/index.js';
import { type ManifestWarning, manifestFor, manifestName } from '../write/index.js';

export { maxSourceBytes } from '../config/inputs.js';

export interface Built {
  config: Config;
  /** The source path as diagnostics show it (relative to the working directory). */
  displayPath: string;
  source: Source;
  registry: Registry;
  /** Every diagnostic, in source order. */
  diagnostics: VFileMessage[];
  /** Rendered files (manifest included), or `undefined` when there were errors. */
  files: Map<string, string> | undefined;
  /** The rendered files with their targets (manifest excluded), or `undefined` when there were errors. */
  rendered: Map<string, RenderedFile> | undefined;
  /** The registry itself, when its diagram block (between the portbook:diagram markers) is out of date. */
  sourceUpdate: SourceUpdate | undefined;
}

export interface SourceUpdate {
  /** The registry's path as diagnostics show it. */
  path: string;
  before: string;
  after: string;
}

/**
 * The registry with the diagram written between its markers (extract found
 * them: registry.diagramBlock), or `undefined` when it has none, the block is
 * current, or what is there is not portbook's (reported, and left as it is).
 */
function withDiagram(
  raw: string,
  block: DiagramBlock | undefined,
  diagram: string | undefined,
  file: VFile,
): { text: string; from: number; by: number } | undefined {
  if (diagram === undefined || block === undefined) return undefined;
  if (block.secondMarker) {
    report(
      file,
      'diagram-markers',
      'Unexpected second `<!-- portbook:diagram -->` marker, expected one pair: only the first pair gets the diagram; remove this one',
      block.secondMarker,
    );
  }
  if (block.foreign) {
    const why =
      'Unexpected content between the diagram markers, expected only the diagram portbook writes there: the block is left as it is; move that content out of the markers to get the diagram';
    report(file, 'diagram-markers', why, block.foreign);
    return undefined;
  }
  const { open, close } = block;
  if (open === undefined || close === undefined) return undefined;
  const { bom, lines } = splitLines(raw);
  const eol = /(\r\n|\r|\n)$/.exec(lines[open - 1] ?? '')?.[1] ?? '\n';
  const body = diagram.replace(/^(%%[^\n]*\n)+/, '').replace(/\n/g, eol);
  const fenced = `\`\`\`mermaid${eol}${body}\`\`\`${eol}`;
  const updated = joinLines({ bom, lines: [...lines.slice(0, open), fenced, ...lines.slice(close - 1)] });
  if (updated === raw) return undefined;
  // lines from the closing marker on move by the difference in the block's length
  return { text: updated, from: close, by: splitLines(updated).lines.length - lines.length };
}

/**
 * The warnings the manifest keeps: those the next run, reading the registry
 * as gen leaves it, would show, so that a run answered from the manifest
 * prints what the full one would. When gen rewrites the diagram block, lines
 * from its closing marker on move: the registry is extracted and validated
 * again from the same tree with every position from there on moved, so that
 * a message naming another line (`already used by … (line 12)`) names it
 * where it will be. The reading diagnostics (a count of mojibake, say) are
 * those of the new text; the block itself holds only a mermaid block, which
 * no rule reads. (Known gap: in a double-encoded file whose only
 * unmistakable mojibake sat in the old block, weaker candidates elsewhere
 * are no longer repaired after the rewrite, and until the registry next
 * changes the fast path answers from outputs of the earlier reading.)
 */
function manifestWarnings(
  source: Source,
  update: { bytes: Uint8Array; from: number; by: number } | undefined,
  displayPath: string,
  units: Readonly<Record<string, string>>,
): ManifestWarning[] {
  const plain = (message: VFileMessage): ManifestWarning => ({
    line: message.line ?? 1,
    column: message.column ?? 1,
    message: message.reason,
    ruleId: message.ruleId ?? '',
  });
  if (!update) return sortedMessages(source.file).map(plain);
  const move = (point: Point): Point => (point.line >= update.from ? { line: point.line + update.by, column: point.column } : point);
  // the messages in the order the next run reports them: reading, extract and validate, then gen's own about the markers
  const next = new VFile({ path: displayPath });
  next.messages.push(...readingMessages(update.bytes, displayPath));
  const moved: Source = { ...source, file: next, toOriginal: (point) => move(source.toOriginal(point)) };
  validate(extract(moved), next, { units });
  for (const message of source.file.messages) {
    if (message.ruleId !== 'diagram-markers') continue;
    report(next, 'diagram-markers', message.reason, move({ line: message.line ?? 1, column: message.column ?? 1 }));
  }
  return sortedMessages(next).map(plain);
}

/** Read, extract, validate and render in memory. Writes nothing. */
export function build(options: PathOptions = {}): Built {
  const config = loadConfig(options);
  const cwd = options.cwd ?? process.cwd();
  const displayPath = shownPath(config.source, cwd);
  const bytes = readSource(config.source, displayPath);
  const source = read(bytes, displayPath);
  // a file that could not be decoded reads as empty: rules would only add noise
  const readable = !hasErrors(source.file);
  const registry = readable ? extract(source) : { services: [], externalAccess: [], reservedRanges: [] };
  if (readable) {
    checkConfiguredUnits(config, registry, displayPath);
    validate(registry, source.file, { units: config.systemd.units });
  }
  let files: Map<string, string> | undefined;
  let rendered: Map<string, RenderedFile> | undefined;
  let sourceUpdate: SourceUpdate | undefined;
  if (!hasErrors(source.file)) {
    const headerSource = headerPathOf(config.source, config.root);
    // hashed before they are read for rendering: see templatesHash
    const templatesSeen = templatesHash(config);
    const templates = loadTemplates(config.templates);
    rendered = renderFiles({ registry, options: config, templates, source: headerSource });
    files = new Map([...rendered].map(([file, { content }]) => [file, content]));
    const raw = asOnDisk(bytes);
    const diagramUpdate = withDiagram(raw, registry.diagramBlock, files.get(diagramFile), source.file);
    const updated = diagramUpdate?.text;
    if (updated !== undefined) sourceUpdate = { path: displayPath, before: raw, after: updated };
    const hashed = updated === undefined ? undefined : new TextEncoder().encode(updated);
    const warnings = manifestWarnings(source, hashed && diagramUpdate ? { bytes: hashed, ...diagramUpdate } : undefined, displayPath, config.systemd.units);
    // the bytes that were parsed, not a second read: an edit saved meanwhile must not pass for what these outputs came from
    files.set(manifestName, manifestFor(rendered, headerSource, inputsHash(config, hashed ?? bytes, templatesSeen), warnings));
  }
  return { config, displayPath, source, registry, diagnostics: sortedMessages(source.file), files, rendered, sourceUpdate };
}

/** Read and extract the registry without validating or rendering (for `next`, `scan`, `fill` and `add`, which work on registries with placeholders). */
export function loadRegistry(options: PathOptions = {}): { config: Config; registry: Registry; displayPath: string; text: string } {
  const config = loadConfig(options);
  const displayPath = shownPath(config.source, options.cwd ?? process.cwd());
  const bytes = readSource(config.source, displayPath);
  const source = read(bytes, displayPath);
  if (hasErrors(source.file)) throw new PortbookError(`${displayPath} cannot be read: ${source.file.messages[0]?.reason ?? 'not UTF-8'}`, 1);
  return { config, registry: extract(source), displayPath, text: asOnDisk(bytes) };
}

/** The diagnostics `text` would get as the registry (for checking an edit before it is written). */
export function diagnose(text: string, displayPath: string, config: Config): VFileMessage[] {
  const source = read(new TextEncoder().encode(text), displayPath);
  if (!hasErrors(source.file)) validate(extract(source), source.file, { units: config.systemd.units });
  return sortedMessages(source.file);
}

/** A unit name configured for a service the registry does not have is a typo: say so. */
function checkConfiguredUnits(config: Config, registry: Registry, displayPath: string): void {
  const names = new Set(registry.services.map((service) => service.name.value));
  for (const name of Object.keys(config.systemd.units)) {
    if (names.has(name)) continue;
    const near = [...names].find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    throw new PortbookError(
      `${config.file ?? 'config'}: systemd.units names ${JSON.stringify(name)}, but no service in ${displayPath} is called that${near ? `; did you mean ${JSON.stringify(near)}?` : ''}`,
    );
  }
}

/** The registry's text exactly as on disk, BOM included: what in-place edits start from. */
function asOnDisk(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

/** The registry's bytes: a regular file (a FIFO or a device is refused, never waited on), refused past the size limit. */
export function readSource(file: string, displayPath: string): Uint8Array {
  try {
    return readRegularFile(file, { limit: maxSourceBytes });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file (point --source at your PORTS.md)' : `${whyUnreadable(error)}${error instanceof FileTooLarge ? ' for a registry' : ''}`;
    throw new PortbookError(`Cannot read ${displayPath}: ${why}`);
  }
}

/** Relative to the project root (stable whatever the working directory), else the file name. */
function headerPathOf(file: string, root: string): string {
  const relative = path.relative(root, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? path.basename(file) : relative.split(path.sep).join('/');
}
