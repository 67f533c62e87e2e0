// Syntax checks for C and Python source with tree-sitter (web-tree-sitter 0.25 + the grammars'
// .wasm files from tree-sitter-c / tree-sitter-python). The WASM runtime and each grammar are
// loaded once per process; parsing itself is synchronous and cheap after that.
//
//   const parser = await loadCodeParser();            // once
//   const result = parser.parse(code, 'c');            // per function, synchronous
//   // or, for occasional use: await parseFunction(code, 'python')
//   parser.withTree(code, 'c', (root) => ...);        // the whole tree, freed after the callback
//
// Code is only parsed, never compiled or run.
import { createRequire } from 'node:module';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';
import type { Lang } from '../records/record.js';

export interface ParseIssue {
  /** 'error': text the grammar could not place; 'missing': a token the parser had to invent (e.g. a `;`). */
  kind: 'error' | 'missing';
  /** 1-based line and column of the issue. */
  line: number;
  column: number;
  /** What was there (error) or what was expected (missing), shortened. */
  text: string;
}

export interface ParseResult {
  /** True when the whole text parsed with no ERROR or MISSING node. */
  ok: boolean;
  /** The first few syntax issues (at most `maxIssues`), in source order. */
  errors: ParseIssue[];
  /** How many ERROR/MISSING nodes the tree has in all. */
  errorCount: number;
  /** Function definitions directly at the top level (Python: decorated ones count too). */
  topLevelFunctionCount: number;
  /** Names of those top-level functions, in order (empty string when a name can't be read). */
  functionNames: string[];
  /** Node types of the other top-level items (comments excluded), e.g. ['preproc_include', 'declaration']. */
  otherTopLevel: string[];
  /** The root node type (translation_unit / module). */
  rootType: string;
  /** With `structure: true`: the tree's shape as an S-expression of node types (no text, no layout, no comments). */
  structure?: string;
}

export interface ParseOptions {
  /** Issues listed in `errors` (the count is always complete). Default 5. */
  maxIssues?: number;
  /** Also return the tree's shape (e.g. Python block structure, which tokens alone don't show). */
  structure?: boolean;
}

export interface CodeParser {
  parse(code: string, lang: Lang, options?: ParseOptions): ParseResult;
  /** Parses and hands the whole tree to `use` (e.g. for mutation operators); the tree is freed afterwards, so don't keep nodes. */
  withTree<T>(code: string, lang: Lang, use: (root: Node, tree: Tree) => T): T;
  /**
   * Parses into a tree the caller owns and must free (`tree.delete()`). With `previous` — an
   * earlier tree, copied and edited to match `code` (see tree-edit.ts) — tree-sitter reparses
   * incrementally, reusing what the edit did not touch: the same tree, several times faster.
   */
  parseTree(code: string, lang: Lang, previous?: Tree): Tree;
  /** How many ERROR/MISSING nodes a tree has (no walk when it has none): `parse(…).errorCount` for a tree in hand. */
  issueCount(tree: Tree): number;
}

const require = createRequire(import.meta.url);
const GRAMMARS: Record<Lang, string> = {
  c: 'tree-sitter-c/tree-sitter-c.wasm',
  python: 'tree-sitter-python/tree-sitter-python.wasm',
};
const FUNCTION_TYPES = new Set(['function_definition']);
const COMMENT_TYPES = new Set(['comment']);
const COMMENT_NODE = / ?\(comment\)/g;

let loading: Promise<CodeParser> | undefined;

/** Loads web-tree-sitter and both grammars (once per process; later calls share the same parser). */
export function loadCodeParser(): Promise<CodeParser> {
  loading ??= load().catch((error: unknown) => {
    loading = undefined;
    throw new Error(`could not load the tree-sitter grammars (${(error as Error).message}); check that web-tree-sitter, tree-sitter-c and tree-sitter-python are installed (npm ci)`);
  });
  return loading;
}

/** Parses one function's source; convenience over loadCodeParser().parse. */
export async function parseFunction(code: string, lang: Lang, options?: ParseOptions): Promise<ParseResult> {
  return (await loadCodeParser()).parse(code, lang, options);
}

async function load(): Promise<CodeParser> {
  await Parser.init();
  const parsers = {} as Record<Lang, Parser>;
  for (const lang of Object.keys(GRAMMARS) as Lang[]) {
    const language = await Language.load(require.resolve(GRAMMARS[lang]));
    parsers[lang] = new Parser().setLanguage(language);
  }
  const parseTree = (code: string, lang: Lang, previous?: Tree): Tree => {
    const parser = parsers[lang];
    if (!parser) throw new Error(`no tree-sitter grammar for language '${lang}' (have: ${Object.keys(parsers).join(', ')})`);
    const tree = parser.parse(code, previous);
    if (!tree) throw new Error(`tree-sitter returned no tree for a ${lang} function of ${code.length} characters`);
    return tree;
  };
  const withTree = <T>(code: string, lang: Lang, use: (root: Node, tree: Tree) => T): T => {
    const tree = parseTree(code, lang);
    try {
      return use(tree.rootNode, tree);
    } finally {
      tree.delete(); // trees live in WASM memory: free each one, or memory grows with every row
    }
  };
  return {
    parse: (code, lang, options = {}) => withTree(code, lang, (root, tree) => ({
      ...describe(tree, options.maxIssues ?? 5),
      ...(options.structure ? { structure: root.toString().replace(COMMENT_NODE, '') } : {}),
    })),
    withTree,
    parseTree,
    issueCount: (tree) => (tree.rootNode.hasError ? collectIssues(tree.rootNode, 0).errorCount : 0),
  };
}

function describe(tree: Tree, maxIssues: number): ParseResult {
  const root = tree.rootNode;
  const functionNames: string[] = [];
  const otherTopLevel: string[] = [];
  for (const child of root.namedChildren) {
    if (!child || COMMENT_TYPES.has(child.type)) continue;
    const fn = functionOf(child);
    if (fn) functionNames.push(functionName(fn));
    else otherTopLevel.push(child.type);
  }
  const { errors, errorCount } = root.hasError ? collectIssues(root, maxIssues) : { errors: [], errorCount: 0 };
  return { ok: errorCount === 0, errors, errorCount, topLevelFunctionCount: functionNames.length, functionNames, otherTopLevel, rootType: root.type };
}

/** The function definition a top-level node is, if it is one (Python wraps decorated ones). */
function functionOf(node: Node): Node | undefined {
  if (FUNCTION_TYPES.has(node.type)) return node;
  if (node.type === 'decorated_definition') {
    const inner = node.childForFieldName('definition');
    if (inner && FUNCTION_TYPES.has(inner.type)) return inner;
  }
  return undefined;
}

function functionName(fn: Node): string {
  // Python: name field; C: the declarator chain (pointer_declarator → function_declarator → identifier).
  const name = fn.childForFieldName('name');
  if (name) return name.text;
  let declarator = fn.childForFieldName('declarator');
  while (declarator) {
    if (declarator.type === 'identifier' || declarator.type === 'field_identifier') return declarator.text;
    declarator = declarator.childForFieldName('declarator');
  }
  return '';
}

/**
 * The ERROR and MISSING nodes under `node` in source order: all counted, the first `maxIssues`
 * described. Only what leads to one is visited: a node without `hasError` has none in it, so its
 * subtree is skipped (a function with one broken line: a few dozen nodes instead of the whole
 * tree, each visit a call into WASM).
 */
function collectIssues(node: Node, maxIssues: number, found: { errors: ParseIssue[]; errorCount: number } = { errors: [], errorCount: 0 }): { errors: ParseIssue[]; errorCount: number } {
  const isError = node.type === 'ERROR';
  const isMissing = node.isMissing;
  if (isError || isMissing) {
    found.errorCount++;
    if (found.errors.length < maxIssues) {
      const { row, column } = node.startPosition;
      found.errors.push({ kind: isMissing ? 'missing' : 'error', line: row + 1, column: column + 1, text: shorten(isMissing ? node.type : node.text) });
    }
  }
  // An ERROR node's children are the tokens it swallowed: count the node once, don't descend.
  if (!isError) for (const child of node.children) if (child?.hasError) collectIssues(child, maxIssues, found);
  return found;
}

const shorten = (text: string): string => {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
};
