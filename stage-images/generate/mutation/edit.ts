// Text edits over a function's source (character offsets, as web-tree-sitter reports them)
// and the 1-based line span they change in the edited text.
import type { Node } from 'web-tree-sitter';

export interface Edit { start: number; end: number; text: string }

/** A mutation site: the edits that inject one bug (non-overlapping). */
export type Candidate = Edit[];

export interface EditResult { source: string; changedLines: [number, number] }

/** 1 + the newlines before `index` (jumping newline to newline: a function has ~30 lines, ~700 characters). */
const lineOf = (text: string, index: number): number => {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
};

/** Applies the edits; the span runs from the first edit's line to the last edit's last line, in the new text. */
export function applyEdits(source: string, edits: readonly Edit[]): EditResult {
  if (edits.length === 0) throw new Error('applyEdits: no edits');
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].start < sorted[i - 1].end) throw new Error(`applyEdits: overlapping edits at ${sorted[i].start}`);
  }
  let out = '';
  let cursor = 0;
  let firstStart = 0;
  let lastEnd = 0;
  sorted.forEach((e, i) => {
    out += source.slice(cursor, e.start);
    if (i === 0) firstStart = out.length;
    out += e.text;
    // A whole-line insertion ends with its newline: the change ends on the line before it.
    lastEnd = e.text.endsWith('\n') ? out.length - 1 : out.length;
    cursor = e.end;
  });
  out += source.slice(cursor);
  const lines = lineOf(out, out.length);
  const first = Math.min(lineOf(out, firstStart), lines);
  const last = Math.min(Math.max(lineOf(out, lastEnd), first), lines);
  return { source: out, changedLines: [first, last] };
}

/** Replaces a node's text. */
export const replaceNode = (node: Node, text: string): Edit => ({ start: node.startIndex, end: node.endIndex, text });

/** Inserts text at an offset. */
export const insertAt = (index: number, text: string): Edit => ({ start: index, end: index, text });

/** Removes a statement; when it stands alone on its lines, the whole lines go. */
export function deleteStatement(source: string, node: Node): Edit {
  let start = node.startIndex;
  let end = node.endIndex;
  const lineStart = source.lastIndexOf('\n', start - 1) + 1;
  let lineEnd = source.indexOf('\n', end);
  if (lineEnd < 0) lineEnd = source.length;
  if (/^[ \t]*$/.test(source.slice(lineStart, start)) && /^[ \t]*$/.test(source.slice(end, lineEnd))) {
    start = lineStart;
    end = lineEnd < source.length ? lineEnd + 1 : lineEnd;
  }
  return { start, end, text: '' };
}

/** The indentation of the line a node starts on. */
export function indentOf(source: string, node: Node): string {
  const lineStart = source.lastIndexOf('\n', node.startIndex - 1) + 1;
  return /^[ \t]*/.exec(source.slice(lineStart))?.[0] ?? '';
}

/** Where a node's line starts (for inserting whole lines before it). */
export const lineStartOf = (source: string, node: Node): number => source.lastIndexOf('\n', node.startIndex - 1) + 1;

/** The 1-based line span where two versions of a function differ (first to last differing line of `after`). */
export function changedLineSpan(before: string, after: string): [number, number] {
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const first = Math.min(head + 1, b.length);
  const last = Math.max(first, b.length - tail);
  return [first, last];
}
