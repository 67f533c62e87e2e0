// removed-bounds-check and removed-null-check: a guard `if (…) return …;` disappears.
import type { Node } from 'web-tree-sitter';
import type { Candidate } from '../edit.js';
import { deleteStatement } from '../edit.js';
import { guardIfs, namedKids, operatorOf, unparenthesized, type OperatorInput } from '../nodes.js';

const RELATIONAL = new Set(['<', '<=', '>', '>=']);
const LOGICAL = new Set(['||', '&&', 'or', 'and']);

/** Whether a condition is (a logical combination of) comparisons that match `test`. */
function conditionMatches(cond: Node | null, test: (n: Node) => boolean): boolean {
  const n = unparenthesized(cond);
  if (!n) return false;
  if (test(n)) return true;
  const op = operatorOf(n);
  if ((n.type === 'binary_expression' || n.type === 'boolean_operator') && op && LOGICAL.has(op.type)) {
    return namedKids(n).some((k) => conditionMatches(k, test));
  }
  return false;
}

const isRelational = (n: Node): boolean => {
  if (n.type !== 'binary_expression' && n.type !== 'comparison_operator') return false;
  const op = operatorOf(n);
  return !!op && RELATIONAL.has(op.type);
};

const NULLISH = new Set(['NULL', 'null', 'nullptr', 'None']);
const isNullCheck = (n: Node): boolean => {
  const op = operatorOf(n);
  if (n.type === 'unary_expression' && op?.type === '!') return true; // !p
  if (n.type === 'not_operator') return true; // not p
  if ((n.type === 'binary_expression' && (op?.type === '==' || op?.type === '!=')) || (n.type === 'comparison_operator' && (op?.type === 'is' || op?.type === '=='))) {
    return namedKids(n).some((k) => NULLISH.has(k.text) || k.type === 'null' || k.type === 'none');
  }
  return false;
};

/** Drops an `if (i >= len) return …;` style guard. */
export function removedBoundsCheck({ root, source, lang }: OperatorInput): Candidate[] {
  return guardIfs(root, lang)
    .filter((n) => conditionMatches(n.childForFieldName('condition'), isRelational) && !conditionMatches(n.childForFieldName('condition'), isNullCheck))
    .map((n) => [deleteStatement(source, n)]);
}

/** Drops an `if (!p) return …;` / `if (p == NULL) goto fail;` / `if x is None: raise …` guard. */
export function removedNullCheck({ root, source, lang }: OperatorInput): Candidate[] {
  return guardIfs(root, lang)
    .filter((n) => conditionMatches(n.childForFieldName('condition'), isNullCheck))
    .map((n) => [deleteStatement(source, n)]);
}
