// Syntax trees for the mutation operators. core/code/parse.ts owns the web-tree-sitter runtime
// (Parser.init must run once per process: a second init would orphan its parsers), so this
// module waits for it and then loads its own parser per grammar, which hands out whole trees.
import { createRequire } from 'node:module';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';
import { loadCodeParser, type CodeParser } from '../../../core/code/parse.js';
import type { Lang } from '../../../core/records/record.js';

export interface TreeParser {
  /** Parses the source, hands the tree to `use`, frees the tree (WASM memory) afterwards. */
  withTree<T>(source: string, lang: Lang, use: (root: Node, tree: Tree) => T): T;
  /** The shared syntax check (ERROR/MISSING node count). */
  check: CodeParser;
}

const require = createRequire(import.meta.url);
const GRAMMARS: Record<Lang, string> = {
  c: 'tree-sitter-c/tree-sitter-c.wasm',
  python: 'tree-sitter-python/tree-sitter-python.wasm',
};

let loading: Promise<TreeParser> | undefined;

export function loadTreeParser(): Promise<TreeParser> {
  loading ??= load();
  return loading;
}

async function load(): Promise<TreeParser> {
  const check = await loadCodeParser();
  const parsers = {} as Record<Lang, Parser>;
  for (const lang of Object.keys(GRAMMARS) as Lang[]) {
    parsers[lang] = new Parser().setLanguage(await Language.load(require.resolve(GRAMMARS[lang])));
  }
  return {
    check,
    withTree(source, lang, use) {
      const parser = parsers[lang];
      if (!parser) throw new Error(`no grammar for language '${lang}' (have: c, python)`);
      const tree = parser.parse(source);
      if (!tree) throw new Error(`tree-sitter returned no tree for a ${lang} function of ${source.length} characters`);
      try {
        return use(tree.rootNode, tree);
      } finally {
        tree.delete();
      }
    },
  };
}
