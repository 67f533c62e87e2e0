// Injects one bug: tries the task's bug types in order, and for each the operator's sites in a
// seeded order, until an edit gives code that differs from the origin and adds no syntax error.
// The origin is parsed once (and its sites found once per bug type, see syntax-tree.ts); each
// candidate edit is checked by an incremental reparse of the origin's tree.
import type { BugType } from '../../../api/v1alpha1/names.js';
import type { Lang } from '../../../core/records/record.js';
import { shuffled, type Random } from '../random.js';
import { applyEdits } from './edit.js';
import type { TreeParser } from './syntax-tree.js';

export type MutationOutcome =
  | { ok: true; bugType: BugType; source: string; changedLines: [number, number] }
  | { ok: false; reason: 'no-applicable-operator' | 'unsupported-language'; detail: string };

export interface MutateOptions { maxSitesPerType?: number }

export function mutate(parser: TreeParser, source: string, lang: Lang, bugTypes: readonly BugType[], random: Random, options: MutateOptions = {}): MutationOutcome {
  if (lang !== 'c' && lang !== 'python') return { ok: false, reason: 'unsupported-language', detail: `language '${lang}' has no grammar (c, python)` };
  const maxSites = options.maxSitesPerType ?? 8;
  const origin = parser.origin(source, lang);
  // Real functions sometimes carry macros tree-sitter cannot place: the mutant may keep those, not add any.
  const originErrors = origin.errorCount;
  const tried: string[] = [];
  for (const bugType of bugTypes) {
    const operatorSites = origin.sites(bugType);
    if (!operatorSites) {
      tried.push(`${bugType}: not for ${lang}`);
      continue;
    }
    const sites = shuffled(operatorSites, random);
    let broken = 0;
    for (const edits of sites.slice(0, maxSites)) {
      const edited = applyEdits(source, edits);
      if (edited.source === source) continue;
      if (origin.issuesAfter(edits, edited.source) > originErrors) {
        broken++;
        continue;
      }
      return { ok: true, bugType, source: edited.source, changedLines: edited.changedLines };
    }
    tried.push(sites.length === 0 ? `${bugType}: no site` : `${bugType}: ${sites.length} sites, ${broken} broke the syntax`);
  }
  return { ok: false, reason: 'no-applicable-operator', detail: tried.join('; ') };
}
