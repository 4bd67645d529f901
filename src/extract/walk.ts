/**
 * Walking the tree without recursion: every walk of extraction keeps its own
 * stack, so a tree of any depth is read without overflowing the JavaScript
 * one. (read/bounds.ts refuses documents that nest deeper than a registry
 * ever does before the parser sees them, but inline markup, emphasis inside
 * emphasis, nests without a block marker, and extraction must not depend on
 * that bound to stay up.)
 */
import type { Nodes } from 'mdast';

/** A node's children, or none. */
function childrenOf(node: Nodes): readonly Nodes[] {
  return 'children' in node ? (node.children as Nodes[]) : [];
}

/**
 * Visit `root` and its descendants in document order (pre-order). `enter`
 * returns `false` to skip a node's children, `'stop'` to end the walk.
 */
export function walk(root: Nodes, enter: (node: Nodes) => boolean | 'stop' | undefined): void {
  const stack: Nodes[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const go = enter(node);
    if (go === 'stop') return;
    if (go === false) continue;
    const children = childrenOf(node);
    for (let index = children.length - 1; index >= 0; index--) stack.push(children[index]!);
  }
}

/** The first node in document order that `test` accepts, or `undefined`. */
export function findNode(root: Nodes, test: (node: Nodes) => boolean): Nodes | undefined {
  let found: Nodes | undefined;
  walk(root, (node) => {
    if (!test(node)) return true;
    found = node;
    return 'stop';
  });
  return found;
}

/**
 * The text of a node and its descendants, as mdast-util-to-string gives it
 * (a leaf's value, an image's alt text), without recursion. `html` says what
 * inline HTML becomes: its own text (`<br>`), or a separator.
 */
function textOf(root: Nodes, html: ((value: string) => string) | undefined): string {
  const parts: string[] = [];
  walk(root, (node) => {
    if (node.type === 'html' && html) parts.push(html(node.value));
    else if ('value' in node && typeof node.value === 'string') parts.push(node.value);
    else if ('alt' in node && typeof node.alt === 'string' && node.alt !== '') parts.push(node.alt);
    else return true;
    return false;
  });
  return parts.join('');
}

/** The text of a node with markup removed (mdast-util-to-string's `toString`, without its recursion). */
export function nodeText(node: Nodes): string {
  return textOf(node, undefined);
}

/** The text of a node with markup removed; inline HTML (`<br>`, `<b>`) separates words instead of vanishing. */
export function cellText(node: Nodes): string {
  return textOf(node, () => ' ');
}
