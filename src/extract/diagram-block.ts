/**
 * The registry's own blocks: what portbook writes between a pair of its
 * markers, `<!-- portbook:KIND -->` … `<!-- /portbook:KIND -->`. KIND is
 * `diagram` (the architecture diagram, a mermaid block) or a code sample of
 * one environment's ports: `env`, `python` or `ts`. For each kind, the first
 * opening marker standing at the top level of the document (not in a code
 * block, a quote or a list) and the first closing one after it make the
 * pair, and what is between them is portbook's when it is nothing or one
 * code block in the kind's language; anything else is someone's text.
 */
import type { Nodes, Root } from 'mdast';
import type { BlockKind, DiagramBlock, Point, Registry, RegistryBlock } from '../registry/types.js';

/** The sample kinds, in the order they are read. */
export const sampleKinds = ['env', 'python', 'ts'] as const satisfies readonly BlockKind[];

/** The opening and closing marker of a kind's block. */
export function blockMarkers(kind: BlockKind): { open: string; close: string } {
  return { open: `<!-- portbook:${kind} -->`, close: `<!-- /portbook:${kind} -->` };
}

/** The code block languages taken for portbook's own in a kind's block; the first is the one it writes. */
export const blockLanguages: Readonly<Record<BlockKind, readonly string[]>> = {
  diagram: ['mermaid'],
  env: ['env', 'dotenv'],
  python: ['python', 'py'],
  ts: ['ts', 'typescript'],
};

export const diagramOpen = blockMarkers('diagram').open;
export const diagramClose = blockMarkers('diagram').close;

/** A kind's block, when the document has its opening marker. */
export function readBlock(tree: Root, point: (node: Nodes | undefined) => Point, kind: BlockKind): RegistryBlock | undefined {
  const { open: openMarker, close: closeMarker } = blockMarkers(kind);
  const markers = (value: string) => tree.children.filter((node) => node.type === 'html' && node.value.trim() === value);
  const opens = markers(openMarker);
  if (opens.length === 0) return undefined;
  const block: RegistryBlock = { kind };
  if (opens[1]) block.secondMarker = point(opens[1]);
  const open = opens[0]!.position?.start.line;
  const close = markers(closeMarker).find((node) => (node.position?.start.line ?? 0) > (open ?? Infinity))?.position?.start.line;
  if (open === undefined || close === undefined) return block;
  // only a block portbook wrote (nothing, or one code block of its language) is replaced: anything else there is someone's text
  const languages = blockLanguages[kind];
  const inside = tree.children.filter((node) => (node.position?.start.line ?? 0) > open && (node.position?.start.line ?? Infinity) < close);
  const foreign = inside.find((node) => !(node.type === 'code' && languages.includes(node.lang?.toLowerCase() ?? '') && inside.length === 1));
  if (foreign) block.foreign = point(foreign);
  else Object.assign(block, { open, close });
  return block;
}

/** The diagram's block (`<!-- portbook:diagram -->`), when the document has its opening marker. */
export function readDiagramBlock(tree: Root, point: (node: Nodes | undefined) => Point): DiagramBlock | undefined {
  return readBlock(tree, point, 'diagram');
}

/** Put the diagram's block and the code-sample blocks (in `sampleKinds` order) the document has in the registry. */
export function readBlocks(tree: Root, point: (node: Nodes | undefined) => Point, registry: Registry): void {
  const diagramBlock = readDiagramBlock(tree, point);
  if (diagramBlock) registry.diagramBlock = diagramBlock;
  const sampleBlocks = sampleKinds.flatMap((kind) => readBlock(tree, point, kind) ?? []);
  if (sampleBlocks.length > 0) registry.sampleBlocks = sampleBlocks;
}

/** The lines (of the document as parsed) between the markers of the blocks portbook will write: their text is its own. */
export function ownLines(registry: Registry): Array<{ from: number; to: number }> {
  const blocks: Array<DiagramBlock | undefined> = [registry.diagramBlock, ...(registry.sampleBlocks ?? [])];
  return blocks.flatMap((block) => (block?.open !== undefined && block.close !== undefined ? [{ from: block.open + 1, to: block.close - 1 }] : []));
}
