// swapped-arguments: two adjacent arguments of a call trade places.
import type { Candidate } from '../edit.js';
import { replaceNode } from '../edit.js';
import { namedKids, nodesOfType, type OperatorInput } from '../nodes.js';

const NOT_POSITIONAL = new Set(['keyword_argument', 'list_splat', 'dictionary_splat', 'string_literal', 'string', 'concatenated_string']);

export function swappedArguments({ root, lang }: OperatorInput): Candidate[] {
  const out: Candidate[] = [];
  for (const call of nodesOfType(root, lang === 'c' ? 'call_expression' : 'call')) {
    const argsNode = call.childForFieldName('arguments');
    if (!argsNode || argsNode.type !== 'argument_list') continue;
    const args = namedKids(argsNode);
    for (let i = 0; i + 1 < args.length; i++) {
      const [a, b] = [args[i], args[i + 1]];
      if (NOT_POSITIONAL.has(a.type) || NOT_POSITIONAL.has(b.type) || a.text === b.text) continue;
      out.push([replaceNode(a, b.text), replaceNode(b, a.text)]);
    }
  }
  return out;
}
