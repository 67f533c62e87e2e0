// Syntax trees for the mutation operators, from the process's one tree-sitter runtime
// (core/code/parse.ts): `withTree` for the operators, `check` for the syntax-error count, and
// `origin` for the engine — each origin parsed once and its operator sites found once per bug
// type, kept for the next samples made from it (a small pool is cycled through many times).
import type { Node, Tree } from 'web-tree-sitter';
import { loadCodeParser, type CodeParser } from '../../../core/code/parse.js';
import { editedCopy, lineStarts, type TextEdit } from '../../../core/code/tree-edit.js';
import type { BugType } from '../../../api/v1alpha1/names.js';
import type { Lang } from '../../../core/records/record.js';
import type { Candidate } from './edit.js';
import { indexedRoot } from './nodes.js';
import { OPERATORS } from './operators/index.js';

/** An origin function, parsed once: its syntax issues, its operator sites, and a quick syntax check of edits to it. */
export interface ParsedOrigin {
  readonly errorCount: number;
  /** The operator's sites (edit sets) in this function, found on first use; undefined when the operator has no version for the language. */
  sites(bugType: BugType): readonly Candidate[] | undefined;
  /**
   * Syntax issues in the function with `edits` applied (`editedSource`), reparsed incrementally from
   * the origin's tree; remembered per `edits` object (one of `sites`' candidates, never changed).
   */
  issuesAfter(edits: readonly TextEdit[], editedSource: string): number;
}

export interface TreeParser {
  /** Parses the source, hands the tree to `use`, frees the tree (WASM memory) afterwards. */
  withTree<T>(source: string, lang: Lang, use: (root: Node, tree: Tree) => T): T;
  /** The shared syntax check (ERROR/MISSING node count). */
  check: CodeParser;
  /** The origin, parsed (or from the cache of the last few). Use it before the next `origin` call: that may free it. */
  origin(source: string, lang: Lang): ParsedOrigin;
}

/**
 * Origins kept parsed (trees in WASM memory, ~10–50 KB each). A batch walks its pool in a fixed
 * order and starts again at the end, so an LRU smaller than the pool would never hit: this keeps
 * a demo-sized pool whole (the demo set has 360 clean functions).
 */
const CACHED_ORIGINS = 512;

export async function loadTreeParser(): Promise<TreeParser> {
  const check = await loadCodeParser();
  const cache = new Map<string, { origin: ParsedOrigin; tree: Tree }>();

  const parseOrigin = (source: string, lang: Lang): { origin: ParsedOrigin; tree: Tree } => {
    const tree = check.parseTree(source, lang);
    const root = indexedRoot(tree.rootNode);
    const starts = lineStarts(source);
    const sites = new Map<BugType, readonly Candidate[] | undefined>();
    // A cycled pool meets the same site again (sites are kept per bug type): its check is kept too.
    const checked = new Map<readonly TextEdit[], number>();
    const origin: ParsedOrigin = {
      errorCount: check.issueCount(tree),
      sites(bugType) {
        if (!sites.has(bugType)) {
          const operator = OPERATORS[bugType][lang];
          sites.set(bugType, operator?.({ source, root, lang }));
        }
        return sites.get(bugType);
      },
      issuesAfter(edits, editedSource) {
        const known = checked.get(edits);
        if (known !== undefined) return known;
        const previous = editedCopy(tree, starts, edits);
        try {
          const edited = check.parseTree(editedSource, lang, previous);
          try {
            const issues = check.issueCount(edited);
            checked.set(edits, issues);
            return issues;
          } finally {
            edited.delete();
          }
        } finally {
          previous.delete();
        }
      },
    };
    return { origin, tree };
  };

  return {
    check,
    withTree: check.withTree,
    origin(source, lang) {
      const key = `${lang}\u0000${source}`;
      let entry = cache.get(key);
      if (entry) {
        cache.delete(key); // re-insert: most recently used last
      } else {
        entry = parseOrigin(source, lang);
        if (cache.size >= CACHED_ORIGINS) {
          const [oldestKey, oldest] = cache.entries().next().value!;
          cache.delete(oldestKey);
          oldest.tree.delete();
        }
      }
      cache.set(key, entry);
      return entry.origin;
    },
  };
}
