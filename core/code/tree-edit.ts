// Tells a tree-sitter tree about text edits, so the next parse of the edited text can reuse it
// (incremental parsing). Offsets are UTF-16 code units, as web-tree-sitter reports them; rows
// and columns are derived from the text before the edits.
import type { Point, Tree } from 'web-tree-sitter';

export interface TextEdit { start: number; end: number; text: string }

/** Where each line of a text starts (for turning offsets into rows and columns). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function pointAt(starts: readonly number[], index: number): Point {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= index) lo = mid;
    else hi = mid - 1;
  }
  return { row: lo, column: index - starts[lo] };
}

function pointAfter(start: Point, text: string): Point {
  const lastNewline = text.lastIndexOf('\n');
  if (lastNewline < 0) return { row: start.row, column: start.column + text.length };
  let rows = 0;
  for (let i = 0; i <= lastNewline; i++) if (text.charCodeAt(i) === 10) rows++;
  return { row: start.row + rows, column: text.length - lastNewline - 1 };
}

/**
 * A copy of `tree` (the tree of `source`) edited by non-overlapping `edits` given against
 * `source`; pass it as `previous` to parse the edited text, then free it.
 */
export function editedCopy(tree: Tree, starts: readonly number[], edits: readonly TextEdit[]): Tree {
  const copy = tree.copy();
  // Last edit first: offsets before it are still those of `source`.
  for (const e of [...edits].sort((a, b) => b.start - a.start)) {
    const startPosition = pointAt(starts, e.start);
    copy.edit({
      startIndex: e.start,
      oldEndIndex: e.end,
      newEndIndex: e.start + e.text.length,
      startPosition,
      oldEndPosition: pointAt(starts, e.end),
      newEndPosition: pointAfter(startPosition, e.text),
    });
  }
  return copy;
}
