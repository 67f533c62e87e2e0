// Small helpers over web-tree-sitter nodes, shared by the operators.
import type { Node } from 'web-tree-sitter';
import type { Lang } from '../../../core/records/record.js';

export interface OperatorInput { source: string; root: Node; lang: Lang }

/**
 * The node types the operators look for from the root (both grammars; a type one lacks matches
 * nothing). Each descendantsOfType call walks the whole tree in WASM (~35 µs for a 700-character
 * function), and a sample tries ~2 operators of several lookups each: an indexed root answers them
 * all from one walk. Types with many nodes that few samples ask for (binary_expression,
 * subscript_expression …) are left out: making a Node of each costs more than the odd extra walk.
 */
const ROOT_TYPES = [
  'function_definition', 'parameters', 'parameter_declaration', 'declaration', 'expression_statement', 'assignment_expression',
  'return_statement', 'if_statement', 'switch_statement', 'call_expression', 'call',
];
const ROOT_TYPE_SET = new Set(ROOT_TYPES);

/** An indexed root's descendants of ROOT_TYPES in source order, with their types (found on first use). */
interface RootIndex { nodes?: Node[]; types?: string[] }
const rootIndexes = new WeakMap<Node, RootIndex>();

/**
 * Marks `root` (a tree's root node, kept while the tree lives) as indexed: nodesOfType(root, …)
 * for ROOT_TYPES then filters one walk's nodes instead of walking the tree again. Same nodes,
 * same order: descendantsOfType gives a preorder walk's matches either way.
 */
export function indexedRoot(root: Node): Node {
  rootIndexes.set(root, {});
  return root;
}

/** All descendants of the given types, in source order (the node itself too, when it is of one). */
export function nodesOfType(root: Node, types: string | string[]): Node[] {
  const wanted = typeof types === 'string' ? [types] : types;
  const index = rootIndexes.get(root);
  if (index && wanted.every((t) => ROOT_TYPE_SET.has(t))) {
    if (!index.nodes) {
      index.nodes = root.descendantsOfType(ROOT_TYPES).filter((n): n is Node => n !== null);
      index.types = index.nodes.map((n) => n.type);
    }
    const out: Node[] = [];
    for (let i = 0; i < index.nodes.length; i++) if (wanted.includes(index.types![i])) out.push(index.nodes[i]);
    return out;
  }
  return root.descendantsOfType(wanted).filter((n): n is Node => n !== null);
}

/** Named children without comments. */
export const namedKids = (node: Node): Node[] =>
  node.namedChildren.filter((n): n is Node => n !== null && n.type !== 'comment');

/** The operator token of a binary node (C: field `operator`; Python comparison: the only anonymous child). */
export function operatorOf(node: Node): Node | undefined {
  const field = node.childForFieldName('operator');
  if (field) return field;
  const ops = node.children.filter((c): c is Node => c !== null && !c.isNamed);
  return ops.length === 1 ? ops[0] : undefined;
}

/** The expression inside parentheses (C conditions are parenthesized_expression). */
export function unparenthesized(node: Node | null): Node | null {
  let n = node;
  while (n && n.type === 'parenthesized_expression') n = namedKids(n)[0] ?? null;
  return n;
}

const C_EXITS = new Set(['return_statement', 'goto_statement', 'break_statement', 'continue_statement']);
const PY_EXITS = new Set(['return_statement', 'raise_statement', 'break_statement', 'continue_statement']);

/**
 * Whether an if's consequence leaves the current path: a bare exit statement, or a short block
 * (at most 3 statements, e.g. a log call and a return) that ends in one.
 */
export function endsInExit(consequence: Node | null, lang: Lang): boolean {
  if (!consequence) return false;
  const exits = lang === 'c' ? C_EXITS : PY_EXITS;
  if (exits.has(consequence.type)) return true;
  if (consequence.type !== 'compound_statement' && consequence.type !== 'block') return false;
  const statements = namedKids(consequence);
  return statements.length > 0 && statements.length <= 3 && exits.has(statements[statements.length - 1].type);
}

/** A statement that can be removed without leaving its parent empty-handed (it sits in a block). */
export function inStatementList(node: Node): boolean {
  const parent = node.parent;
  return !!parent && ['compound_statement', 'case_statement', 'block', 'module'].includes(parent.type);
}

/** An if without else/elif whose consequence exits, sitting in a block (so it can be dropped). */
export function guardIfs(root: Node, lang: Lang): Node[] {
  return nodesOfType(root, 'if_statement').filter((n) => !n.childForFieldName('alternative') && endsInExit(n.childForFieldName('consequence'), lang) && inStatementList(n));
}

/** The function's body node (C compound_statement / Python block) of the first function definition. */
export function functionBody(root: Node): Node | undefined {
  const fn = nodesOfType(root, 'function_definition')[0];
  return fn?.childForFieldName('body') ?? undefined;
}
