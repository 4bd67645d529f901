/**
 * Build: one project's run of the pipeline up to the files, in memory:
 * read → extract → validate → render, plus the manifest and the blocks
 * portbook writes into the registry (its diagram, code samples). Every
 * command that writes starts here; nothing here writes.
 */
import path from 'node:path';
import { VFile } from 'vfile';
import type { VFileMessage } from 'vfile-message';
import { type ComposeFile, readComposeFiles } from '../config/compose-files.js';
import { inputsHash, maxSourceBytes, templatesHash } from '../config/inputs.js';
import { type Config, loadConfig, type PathOptions, displayPath as shownPath } from '../config/load.js';
import { hasErrors, report, sortedMessages } from '../diagnostics/report.js';
import { blockLanguages, blockMarkers } from '../extract/diagram-block.js';
import { extract } from '../extract/index.js';
import { cacheDirectory, ParseCache, read, readingMessages, type Source } from '../read/index.js';
import type { BlockKind, Point, Registry, RegistryBlock } from '../registry/types.js';
import { type RenderedFile, renderFiles } from '../render/index.js';
import { loadTemplates } from '../render/templates.js';
import { PortbookError } from '../support/errors.js';
import { findFiles } from '../support/find-files.js';
import { joinLines, splitLines } from '../support/lines.js';
import { FileTooLarge, readRegularFile, whyUnreadable } from '../support/regular-file.js';
import { diagramFile } from '../targets/diagram.js';
import { buildModel } from '../targets/index.js';
import { renderSample, type SampleKind } from '../targets/samples.js';
import { type ValidateOptions, validate } from '../validate/index.js';
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
  /** The registry itself, when a block portbook writes into it (the diagram, a code sample) is out of date. */
  sourceUpdate: SourceUpdate | undefined;
}

export interface SourceUpdate {
  /** The registry's path as diagnostics show it. */
  path: string;
  before: string;
  after: string;
  /** The blocks that change, in document order. */
  blocks: BlockKind[];
}

/** A block portbook writes between its markers, and what goes there (`undefined`: nothing, as when the diagram target is off). */
interface OwnBlock {
  block: RegistryBlock;
  body: string | undefined;
}

/** Lines from `from` (a closing marker's line, as it was) on move by `by` when gen rewrites the blocks. */
export interface LineShift {
  from: number;
  by: number;
}

/** What gen says about a block's markers when the block cannot be written (a second pair, someone's text between them). */
function reportMarkers({ kind, secondMarker, foreign }: RegistryBlock, file: VFile): void {
  const { open } = blockMarkers(kind);
  const [rule, what] = kind === 'diagram' ? (['diagram-markers', 'diagram'] as const) : (['sample-markers', 'sample'] as const);
  if (secondMarker) {
    report(file, rule, `Unexpected second \`${open}\` marker, expected one pair: only the first pair gets the ${what}; remove this one`, secondMarker);
  }
  if (foreign) {
    const markers = kind === 'diagram' ? 'the diagram markers' : `the \`portbook:${kind}\` markers`;
    const written =
      kind === 'diagram' ? 'the diagram portbook writes there' : `the sample portbook writes there (one \`${blockLanguages[kind][0]}\` code block)`;
    report(
      file,
      rule,
      `Unexpected content between ${markers}, expected only ${written}: the block is left as it is; move that content out of the markers to get the ${what}`,
      foreign,
    );
  }
}

/** A fence longer than any run of backticks a line of `body` starts with (three for the diagram and the samples, whose lines never do). */
function fenceFor(body: string): string {
  const longest = Math.max(2, ...Array.from(body.matchAll(/^ {0,3}(`+)/gm), (match) => match[1]!.length));
  return '`'.repeat(longest + 1);
}

/**
 * The registry with each block written between its markers (extract found
 * them: registry.diagramBlock, registry.sampleBlocks), or `undefined` when it
 * has none, they are current, or what is there is not portbook's (reported,
 * and left as it is). The one function for every block: the fence in the
 * kind's language, the line endings of its opening marker's line, and how
 * the lines after each block move.
 */
function withBlocks(raw: string, blocks: readonly OwnBlock[], file: VFile): { text: string; shifts: LineShift[]; kinds: BlockKind[] } | undefined {
  const usable: Array<{ kind: BlockKind; open: number; close: number; body: string }> = [];
  for (const { block, body } of blocks) {
    if (body === undefined) continue;
    reportMarkers(block, file);
    if (block.foreign || block.open === undefined || block.close === undefined) continue;
    usable.push({ kind: block.kind, open: block.open, close: block.close, body });
  }
  if (usable.length === 0) return undefined;
  const { bom, lines } = splitLines(raw);
  const out: string[] = [];
  const shifts: LineShift[] = [];
  const kinds: BlockKind[] = [];
  let next = 0;
  // blocks of different kinds never overlap: a marker inside another block makes that one someone's text
  for (const { kind, open, close, body } of usable.sort((a, b) => a.open - b.open)) {
    const eol = /(\r\n|\r|\n)$/.exec(lines[open - 1] ?? '')?.[1] ?? '\n';
    const fence = fenceFor(body);
    const fenced = `${fence}${blockLanguages[kind][0]}${eol}${body.replace(/\n/g, eol)}${fence}${eol}`;
    if (fenced !== lines.slice(open, close - 1).join('')) kinds.push(kind);
    // one line at a time: spread arguments past some 100,000 (a long registry's lines) overflow the stack
    for (let line = next; line < open; line++) out.push(lines[line]!);
    out.push(fenced);
    next = close - 1;
    // lines from the closing marker on move by the difference in the block's length
    const by = splitLines(fenced).lines.length - (close - 1 - open);
    if (by !== 0) shifts.push({ from: close, by });
  }
  for (let line = next; line < lines.length; line++) out.push(lines[line]!);
  const updated = joinLines({ bom, lines: out });
  return updated === raw ? undefined : { text: updated, shifts, kinds };
}

/** The blocks of the registry and what gen writes in each: the diagram (when its target is on) and the samples of the settings environment. */
function ownBlocks(registry: Registry, config: Config, files: ReadonlyMap<string, string>, headerSource: string): OwnBlock[] {
  const blocks: OwnBlock[] = [];
  const diagram = files.get(diagramFile);
  if (registry.diagramBlock) blocks.push({ block: { kind: 'diagram', ...registry.diagramBlock }, body: diagram?.replace(/^(%%[^\n]*\n)+/, '') });
  const samples = registry.sampleBlocks ?? [];
  if (samples.length === 0) return blocks;
  // the environment whose ports are the settings' constants (settings.environment)
  const { primary } = buildModel(registry, config, headerSource);
  for (const block of samples) blocks.push({ block, body: renderSample(block.kind as SampleKind, primary) });
  return blocks;
}

/**
 * The warnings the manifest keeps: those the next run, reading the registry
 * as gen leaves it, would show, so that a run answered from the manifest
 * prints what the full one would. When gen rewrites its blocks, lines from
 * each block's closing marker on move by what that block and those above it
 * gained or lost: the registry is extracted and validated again from the
 * same tree with every position moved so, and a message naming another line
 * (`already used by … (line 12)`) names it where it will be. The reading
 * diagnostics (a count of mojibake, say) are those of the new text; a block
 * portbook writes holds only its code block, which no rule reads (mentions
 * inside it are not read). (Known gap: in a double-encoded file whose only
 * unmistakable mojibake sat in the old block, weaker candidates elsewhere
 * are no longer repaired after the rewrite, and until the registry next
 * changes the fast path answers from outputs of the earlier reading.)
 */
function manifestWarnings(
  source: Source,
  update: { bytes: Uint8Array; shifts: readonly LineShift[] } | undefined,
  displayPath: string,
  options: ValidateOptions,
): ManifestWarning[] {
  const plain = (message: VFileMessage): ManifestWarning => ({
    line: message.line ?? 1,
    column: message.column ?? 1,
    message: message.reason,
    ruleId: message.ruleId ?? '',
  });
  if (!update) return sortedMessages(source.file).map(plain);
  const move = (point: Point): Point => {
    const by = update.shifts.reduce((sum, shift) => (point.line >= shift.from ? sum + shift.by : sum), 0);
    return by === 0 ? point : { line: point.line + by, column: point.column };
  };
  // the messages in the order the next run reports them: reading, extract and validate, then gen's own about the markers
  const next = new VFile({ path: displayPath });
  next.messages.push(...readingMessages(update.bytes, displayPath));
  const moved: Source = { ...source, file: next, toOriginal: (point) => move(source.toOriginal(point)) };
  validate(extract(moved), next, options);
  for (const message of source.file.messages) {
    if (message.ruleId !== 'diagram-markers' && message.ruleId !== 'sample-markers') continue;
    report(next, message.ruleId, message.reason, move({ line: message.line ?? 1, column: message.column ?? 1 }));
  }
  return sortedMessages(next).map(plain);
}

/** Read, extract, validate and render in memory. Writes nothing. */
export function build(options: PathOptions = {}): Built {
  const config = loadConfig(options);
  const cwd = options.cwd ?? process.cwd();
  const displayPath = shownPath(config.source, cwd);
  const bytes = readSource(config.source, displayPath, { root: config.root, cwd });
  const source = read(bytes, displayPath, parseCacheOf(options, config));
  // a file that could not be decoded reads as empty: rules would only add noise
  const readable = !hasErrors(source.file);
  const registry = readable ? extract(source) : { services: [], externalAccess: [], reservedRanges: [] };
  // read once: what the rules see is what the inputs hash records
  const composeFiles = readComposeFiles(config.root);
  const ruleOptions = validateOptions(config, composeFiles);
  if (readable) {
    validate(registry, source.file, ruleOptions);
    // the config names services of a registry that reads: a broken row is the registry's error (exit 1), said first
    if (!hasErrors(source.file)) checkConfiguredUnits(config, registry, displayPath);
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
    const blocksUpdate = withBlocks(raw, ownBlocks(registry, config, files, headerSource), source.file);
    if (blocksUpdate) sourceUpdate = { path: displayPath, before: raw, after: blocksUpdate.text, blocks: blocksUpdate.kinds };
    const hashed = blocksUpdate && new TextEncoder().encode(blocksUpdate.text);
    const warnings = manifestWarnings(source, hashed && blocksUpdate ? { bytes: hashed, shifts: blocksUpdate.shifts } : undefined, displayPath, ruleOptions);
    // the bytes that were parsed, not a second read: an edit saved meanwhile must not pass for what these outputs came from
    files.set(manifestName, manifestFor(rendered, headerSource, inputsHash(config, hashed ?? bytes, templatesSeen, composeFiles), warnings));
  }
  return { config, displayPath, source, registry, diagnostics: sortedMessages(source.file), files, rendered, sourceUpdate };
}

/** Read and extract the registry without validating or rendering (for `next`, `scan`, `fill` and `add`, which work on registries with placeholders). */
export function loadRegistry(options: PathOptions = {}): { config: Config; registry: Registry; displayPath: string; text: string } {
  const config = loadConfig(options);
  const cwd = options.cwd ?? process.cwd();
  const displayPath = shownPath(config.source, cwd);
  const bytes = readSource(config.source, displayPath, { root: config.root, cwd });
  const source = read(bytes, displayPath, parseCacheOf(options, config));
  if (hasErrors(source.file)) throw new PortbookError(`${displayPath} cannot be read: ${source.file.messages[0]?.reason ?? 'not UTF-8'}`, 1);
  return { config, registry: extract(source), displayPath, text: asOnDisk(bytes) };
}

/** The project's parse cache, unless `--no-cache` said to parse whole. */
function parseCacheOf(options: PathOptions, config: Config): ParseCache | undefined {
  return options.cache === false ? undefined : new ParseCache(cacheDirectory(config.root));
}

/** The diagnostics `text` would get as the registry (for checking an edit before it is written). */
export function diagnose(text: string, displayPath: string, config: Config): VFileMessage[] {
  const source = read(new TextEncoder().encode(text), displayPath);
  if (!hasErrors(source.file)) validate(extract(source), source.file, validateOptions(config));
  return sortedMessages(source.file);
}

/** What the rules need of the config and the project (its compose files, as `readComposeFiles` read them). */
function validateOptions(config: Config, composeFiles: readonly ComposeFile[] = readComposeFiles(config.root)): ValidateOptions {
  return {
    units: config.systemd.units,
    variables: config.variables.allow,
    ephemeral: { range: config.sysctl.ephemeralRange, reserved: config.targets.includes('sysctl') },
    composeFiles: composeFiles.map(({ name, bytes }) => ({ name, text: bytes.toString('utf8') })),
  };
}

/** A unit name configured for a service the registry does not have is a stale or mistyped config entry: a config error (exit 2) that names the key. */
function checkConfiguredUnits(config: Config, registry: Registry, displayPath: string): void {
  const names = new Set(registry.services.map((service) => service.name.value));
  for (const name of Object.keys(config.systemd.units)) {
    if (names.has(name)) continue;
    const near = [...names].find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    throw new PortbookError(
      `${config.file ?? 'config'}: systemd.units names ${JSON.stringify(name)}, but no service in ${displayPath} is called that${near ? `; did you mean ${JSON.stringify(near)}? Fix the name` : ': fix the name'}, or remove the entry`,
    );
  }
}

/** The registry's text exactly as on disk, BOM included: what in-place edits start from. */
function asOnDisk(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
}

/** Where to look for a registry that is not at the source path: the project root, and where paths are shown from. */
export interface RegistrySearch {
  root: string;
  cwd: string;
}

/**
 * The registry's bytes: a regular file (a FIFO or a device is refused, never waited on), refused past the size
 * limit. A missing one is looked for in the project (`search`) and pointed at.
 */
export function readSource(file: string, displayPath: string, search?: RegistrySearch): Uint8Array {
  try {
    return readRegularFile(file, { limit: maxSourceBytes });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? missingRegistry(file, search) : `: ${whyUnreadable(error)}${error instanceof FileTooLarge ? ' for a registry' : ''}`;
    throw new PortbookError(`Cannot read ${displayPath}${why}`);
  }
}

/**
 * Why a missing registry is missing, and what to do: the PORTS.md files found
 * elsewhere in the project (a bounded search: three levels down, a few
 * hundred directories), or `portbook init` when there is none.
 */
function missingRegistry(file: string, search: RegistrySearch | undefined): string {
  const found = search ? findFiles(search.root, /^ports\.md$/i, { depth: 3, directories: 400 }).filter((candidate) => candidate !== file) : [];
  if (found.length === 0) return ': no such file; run `portbook init` to start a registry there, or point --source at your PORTS.md';
  const shown = found.slice(0, 3).map((candidate) => shownPath(candidate, search!.cwd));
  const names = shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
  const more = found.length > shown.length ? ` (and ${found.length - shown.length} more)` : '';
  return `: no such file, but the project has ${names}${more}: point --source at ${found.length === 1 ? 'it' : 'yours'} (\`--source ${shown[0]}\`), or set "source" in portbook.config.json`;
}

/** Relative to the project root (stable whatever the working directory), else the file name. */
function headerPathOf(file: string, root: string): string {
  const relative = path.relative(root, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? path.basename(file) : relative.split(path.sep).join('/');
}
