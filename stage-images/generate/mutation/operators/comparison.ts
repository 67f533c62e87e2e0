// off-by-one and operator-swap: one token of a comparison or arithmetic expression changes.
import type { Candidate } from '../edit.js';
import { replaceNode } from '../edit.js';
import { namedKids, nodesOfType, operatorOf, type OperatorInput } from '../nodes.js';

const BINARY = { c: 'binary_expression', python: 'comparison_operator' } as const;
const STRICTNESS: Record<string, string> = { '<': '<=', '<=': '<', '>': '>=', '>=': '>' };

/** `<` ↔ `<=`, `>` ↔ `>=` in comparisons; `a[i]` → `a[i + 1]` (C); `range(n)` → `range(n + 1)` (Python). */
export function offByOne({ root, lang }: OperatorInput): Candidate[] {
  const out: Candidate[] = [];
  for (const node of nodesOfType(root, BINARY[lang])) {
    const op = operatorOf(node);
    if (op && STRICTNESS[op.type]) out.push([replaceNode(op, STRICTNESS[op.type])]);
  }
  if (lang === 'c') {
    for (const sub of nodesOfType(root, 'subscript_expression')) {
      const index = sub.childForFieldName('index');
      if (index && (index.type === 'identifier' || index.type === 'number_literal')) out.push([replaceNode(index, `${index.text} + 1`)]);
    }
  } else {
    for (const call of nodesOfType(root, 'call')) {
      if (call.childForFieldName('function')?.text !== 'range') continue;
      const args = namedKids(call.childForFieldName('arguments')!);
      const last = args[args.length - 1];
      if (last && last.type !== 'keyword_argument' && args.length <= 2) out.push([replaceNode(last, `${last.text} + 1`)]);
    }
  }
  return out;
}

const SWAPS: Record<string, string> = {
  '+': '-', '-': '+', '*': '/', '/': '*', '==': '!=', '!=': '==', '<': '>', '>': '<', '<=': '>=', '>=': '<=',
  '&&': '||', '||': '&&', '&': '|', '|': '&', '<<': '>>', '>>': '<<', and: 'or', or: 'and',
};
const SWAP_NODES = { c: ['binary_expression'], python: ['binary_operator', 'comparison_operator', 'boolean_operator'] };

/** A relational, logical or arithmetic operator becomes its counterpart (`+` ↔ `-`, `==` ↔ `!=`, `&&` ↔ `||`, `<` ↔ `>` …). */
export function operatorSwap({ root, lang }: OperatorInput): Candidate[] {
  const out: Candidate[] = [];
  for (const node of nodesOfType(root, SWAP_NODES[lang])) {
    const op = operatorOf(node);
    if (!op || !SWAPS[op.type]) continue;
    // `-` with a pointer or string on the left is fine to swap; a unary-looking `- 1` is a binary node only when it has two sides.
    if (namedKids(node).length !== 2) continue;
    out.push([replaceNode(op, SWAPS[op.type])]);
  }
  return out;
}
