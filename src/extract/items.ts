/** `Key: value` list items: their key, value and inline code, and where in an item its value starts. */
import type { List, ListItem, Nodes } from 'mdast';
import type { Field, Point } from '../registry/types.js';
import { cellText } from './cells.js';
import { findNode, walk } from './walk.js';

/** One `Key: value` list item. */
export interface KeyValue {
  key: string;
  value: Field<string>;
  /** Inline code in the value (`` `0.0.0.0:17354` ``), which holds the machine-readable part. */
  code?: string;
}

export function keyValueItems(list: List, point: (node: Nodes | undefined) => Point): KeyValue[] {
  return (list.children as ListItem[]).flatMap((item) => {
    const text = cellText(item).replace(/\s+/g, ' ').trim();
    const match = /^([^:]{1,60}?)\s*:\s*(.*)$/.exec(text);
    if (!match) return [];
    const inline = findNode(item, (node) => node.type === 'inlineCode');
    const code = inline?.type === 'inlineCode' ? inline.value : undefined;
    const value: Field<string> = { value: match[2]!, text: match[2]!, position: findValuePoint(item, point, false) ?? point(item) };
    return [{ key: match[1]!, value, ...(code !== undefined ? { code } : {}) }];
  });
}

/**
 * Where, after the `Name:` part of a list item, the first character stands
 * (`digit` false), or the start of the `nth` run of digits (0: the first).
 */
export function findValuePoint(item: ListItem, point: (node: Nodes | undefined) => Point, digit = true, nth = 0): Point | undefined {
  let seenColon = false;
  let runs = 0;
  // whether the character before the node being walked is a digit: a run may go on across nodes
  let inRun = false;
  const at = (node: Nodes, index: number): Point => {
    const start = point(node);
    if (node.type !== 'inlineCode') return { line: start.line, column: start.column + index };
    // inline code starts at its backtick: point at it, as for any cell with markup; further into it, past the fence
    const end = node.position?.end;
    const width = end && node.position!.start.line === end.line ? (end.offset! - node.position!.start.offset! - node.value.length) / 2 : undefined;
    return index === 0 || width === undefined || !Number.isInteger(width) ? start : { line: start.line, column: start.column + width + index };
  };
  let found: Point | undefined;
  // the leaves in document order, without recursion (walk.ts): a run of digits may go on from one to the next
  walk(item, (node) => {
    if (node.type === 'html') inRun = false;
    if (node.type !== 'text' && node.type !== 'inlineCode') return true;
    let from = 0;
    if (!seenColon) {
      const colon = node.value.indexOf(':');
      if (colon === -1) return false;
      seenColon = true;
      from = colon + 1;
      inRun = false;
    }
    if (!digit) {
      const start = node.value.slice(from).search(/\S/);
      if (start !== -1) found = at(node, from + start);
      return found === undefined ? false : 'stop';
    }
    for (let index = from; index < node.value.length; index++) {
      const isDigit = /\d/.test(node.value[index]!);
      if (isDigit && !inRun && runs++ === nth) {
        found = at(node, index);
        return 'stop';
      }
      inRun = isDigit;
    }
    return false;
  });
  return found;
}
