// Syntax trees for the mutation operators, from the process's one tree-sitter runtime
// (core/code/parse.ts): `withTree` for the operators, `check` for the syntax-error count.
import type { Node, Tree } from 'web-tree-sitter';
import { loadCodeParser, type CodeParser } from '../../../core/code/parse.js';
import type { Lang } from '../../../core/records/record.js';

export interface TreeParser {
  /** Parses the source, hands the tree to `use`, frees the tree (WASM memory) afterwards. */
  withTree<T>(source: string, lang: Lang, use: (root: Node, tree: Tree) => T): T;
  /** The shared syntax check (ERROR/MISSING node count). */
  check: CodeParser;
}

export async function loadTreeParser(): Promise<TreeParser> {
  const check = await loadCodeParser();
  return { check, withTree: check.withTree };
}
