/**
 * The registry's own diagram block: the first `<!-- portbook:diagram -->` …
 * `<!-- /portbook:diagram -->` pair standing at the top level of the
 * document (not in a code block, a quote or a list), and whether what is
 * between them is portbook's (nothing, or one mermaid block).
 */
import type { Nodes, Root } from 'mdast';
import type { DiagramBlock, Point } from '../registry/types.js';

export const diagramOpen = '<!-- portbook:diagram -->';
export const diagramClose = '<!-- /portbook:diagram -->';

export function readDiagramBlock(tree: Root, point: (node: Nodes | undefined) => Point): DiagramBlock | undefined {
  const markers = (value: string) => tree.children.filter((node) => node.type === 'html' && node.value.trim() === value);
  const opens = markers(diagramOpen);
  if (opens.length === 0) return undefined;
  const block: DiagramBlock = {};
  if (opens[1]) block.secondMarker = point(opens[1]);
  const open = opens[0]!.position?.start.line;
  const close = markers(diagramClose).find((node) => (node.position?.start.line ?? 0) > (open ?? Infinity))?.position?.start.line;
  if (open === undefined || close === undefined) return block;
  // only a block portbook wrote (nothing, or one mermaid code block) is replaced: anything else there is someone's text
  const inside = tree.children.filter((node) => (node.position?.start.line ?? 0) > open && (node.position?.start.line ?? Infinity) < close);
  const foreign = inside.find((node) => !(node.type === 'code' && node.lang?.toLowerCase() === 'mermaid' && inside.length === 1));
  if (foreign) block.foreign = point(foreign);
  else Object.assign(block, { open, close });
  return block;
}
