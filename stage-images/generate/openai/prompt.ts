// The chat prompt that asks a model to inject one bug of a given type.
import type { BugType } from '../../../api/v1alpha1/names.js';
import type { Lang } from '../../../core/records/record.js';

export const BUG_DESCRIPTIONS: Record<BugType, string> = {
  'off-by-one': 'a loop bound or comparison is off by one (e.g. `<` becomes `<=`, or an index gains `+ 1`)',
  'operator-swap': 'a relational, logical or arithmetic operator is replaced by a wrong one',
  'removed-bounds-check': 'a check of an index or length against its limit is removed',
  'removed-null-check': 'a NULL / None check of a pointer or object is removed',
  'variable-misuse': 'a variable is used where another in-scope variable of the same type was meant',
  'swapped-arguments': 'two arguments of a call are swapped',
  'missing-free': 'memory that is allocated or owned is no longer freed (a leak)',
  'double-free': 'the same memory is freed twice',
  'use-after-free': 'memory is used after it has been freed',
  'integer-overflow': 'an integer is narrowed or a computation can overflow (narrowing cast, smaller type)',
  'missing-break': 'a `break` in a switch case is missing, so control falls through',
  'wrong-error-return': 'an error path returns a success value (e.g. `return -1` becomes `return 0`)',
  'uninitialized-variable': 'a variable is read before it is initialised (its initialiser is dropped)',
};

export interface ChatMessage { role: 'system' | 'user'; content: string }

const SYSTEM = [
  'You inject realistic bugs into source code to train a bug detector.',
  'Answer with one JSON object and nothing else:',
  '{"function": "<the complete modified function>", "bug_type": "<the bug type>", "explanation": "<one line: what you changed>"}',
].join('\n');

const LANG_NAMES: Record<Lang, string> = { c: 'C', python: 'Python' };

export function bugPrompt(func: string, lang: Lang, bugType: BugType): ChatMessage[] {
  const user = [
    `Bug type: ${bugType} — ${BUG_DESCRIPTIONS[bugType]}.`,
    `Inject exactly one bug of this type into the ${LANG_NAMES[lang]} function below with a small change (a few lines at most).`,
    'Keep everything else identical, keep it syntactically valid, and add no comment that reveals the bug.',
    '',
    '```' + lang,
    func,
    '```',
  ].join('\n');
  return [{ role: 'system', content: SYSTEM }, { role: 'user', content: user }];
}
