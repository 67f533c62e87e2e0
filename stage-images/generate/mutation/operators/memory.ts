// missing-free, double-free, use-after-free (C): around `free(p);`-like statements.
import type { Node } from 'web-tree-sitter';
import type { Candidate } from '../edit.js';
import { deleteStatement, indentOf, insertAt, lineStartOf } from '../edit.js';
import { inStatementList, namedKids, nodesOfType, type OperatorInput } from '../nodes.js';

/** free, av_free, g_free, kfree, av_freep, qemu_vfree, xxx_free … */
const FREE_NAME = /^(?:[a-z_0-9]*_)?v?freep?$|^kfree$/i;

interface FreeStatement { statement: Node; callee: string; pointer: Node }

/** Every name FREE_NAME takes has `free` in it: a function without the word has no free statement (no tree walk). */
const MENTIONS_FREE = /free/i;

function freeStatements(root: Node, source: string): FreeStatement[] {
  const out: FreeStatement[] = [];
  if (!MENTIONS_FREE.test(source)) return out;
  for (const statement of nodesOfType(root, 'expression_statement')) {
    const call = namedKids(statement)[0];
    if (!call || call.type !== 'call_expression') continue;
    const callee = call.childForFieldName('function')?.text ?? '';
    const args = namedKids(call.childForFieldName('arguments')!);
    if (FREE_NAME.test(callee) && args.length === 1 && inStatementList(statement)) out.push({ statement, callee, pointer: args[0] });
  }
  return out;
}

/** The freed variable's name: `p`, `s->buf` → `s`… only plain identifiers and fields count; `&p` (freep) → p. */
const freedName = (pointer: Node): string | undefined => {
  const inner = pointer.type === 'pointer_expression' ? namedKids(pointer)[0] : pointer;
  return inner && (inner.type === 'identifier' || inner.type === 'field_expression') ? inner.text : undefined;
};

export function missingFree({ root, source }: OperatorInput): Candidate[] {
  return freeStatements(root, source).map((f) => [deleteStatement(source, f.statement)]);
}

/** The free is repeated on the next line (not for *_freep, which resets the pointer and makes a repeat harmless). */
export function doubleFree({ root, source }: OperatorInput): Candidate[] {
  return freeStatements(root, source)
    .filter((f) => !/freep$/i.test(f.callee) && freedName(f.pointer))
    .map((f) => [insertAt(f.statement.endIndex, `\n${indentOf(source, f.statement)}${f.statement.text}`)]);
}

/** Whether a statement mentions the pointer without assigning it (a read through it, a call with it). */
function reads(statement: Node, name: string): boolean {
  if (!['expression_statement', 'if_statement', 'return_statement'].includes(statement.type)) return false;
  if (statement.type === 'return_statement') return false; // the free would then never run before it
  const mentions = nodesOfType(statement, ['identifier', 'field_expression']).some((n) => n.text === name);
  const assigns = nodesOfType(statement, 'assignment_expression').some((a) => a.childForFieldName('left')?.text === name);
  const exits = nodesOfType(statement, ['return_statement', 'goto_statement', 'break_statement', 'continue_statement']).length > 0;
  return mentions && !assigns && !exits;
}

/** The free moves up, before the statement just above it that still uses the pointer. */
export function useAfterFree({ root, source }: OperatorInput): Candidate[] {
  const out: Candidate[] = [];
  for (const f of freeStatements(root, source)) {
    const name = freedName(f.pointer);
    if (!name) continue;
    let prev = f.statement.previousNamedSibling;
    for (let back = 0; prev && back < 3; back++, prev = prev.previousNamedSibling) {
      if (prev.type === 'comment') continue;
      if (prev.type === 'declaration' || prev.type.startsWith('preproc') || prev.type === 'labeled_statement') break;
      if (!reads(prev, name)) continue;
      out.push([insertAt(lineStartOf(source, prev), `${indentOf(source, prev)}${f.statement.text}\n`), deleteStatement(source, f.statement)]);
      break;
    }
  }
  return out;
}
