// missing-break, wrong-error-return, integer-overflow (narrowing).
import type { Node } from 'web-tree-sitter';
import type { Candidate } from '../edit.js';
import { deleteStatement, replaceNode } from '../edit.js';
import { namedKids, nodesOfType, operatorOf, type OperatorInput } from '../nodes.js';

/** A `break;` that ends a case which is not the switch's last: control falls through. */
export function missingBreak({ root, source }: OperatorInput): Candidate[] {
  const out: Candidate[] = [];
  for (const sw of nodesOfType(root, 'switch_statement')) {
    const cases = namedKids(sw.childForFieldName('body')!).filter((n) => n.type === 'case_statement');
    cases.slice(0, -1).forEach((c) => {
      for (const br of namedKids(c).filter((n) => n.type === 'break_statement')) out.push([deleteStatement(source, br)]);
    });
  }
  return out;
}

/** An error code (`-1`, `-EINVAL`, `AVERROR(…)`, `AVERROR_INVALIDDATA`; Python `False`/negative) becomes success. */
function isErrorValue(value: Node, lang: OperatorInput['lang']): boolean {
  const text = value.text;
  if (lang === 'python') return value.type === 'false' || (value.type === 'unary_operator' && text.startsWith('-'));
  if (value.type === 'number_literal') return text.startsWith('-');
  if (value.type === 'unary_expression') return operatorOf(value)?.type === '-';
  if (value.type === 'call_expression') return /^AVERROR$/.test(value.childForFieldName('function')?.text ?? '');
  if (value.type === 'identifier') return /^AVERROR_[A-Z_]+$/.test(text) && text !== 'AVERROR_EOF';
  return false;
}

export function wrongErrorReturn({ root, lang }: OperatorInput): Candidate[] {
  return nodesOfType(root, 'return_statement').flatMap((r) => {
    const value = namedKids(r)[0];
    if (!value || !isErrorValue(value, lang)) return [];
    return [[replaceNode(value, lang === 'python' && value.type === 'false' ? 'True' : '0')]];
  });
}

const NARROWER: Record<string, string> = {
  int: 'short', 'unsigned int': 'unsigned short', unsigned: 'unsigned short', long: 'int', 'long long': 'int', 'unsigned long': 'unsigned',
  'long int': 'int', size_t: 'unsigned', ssize_t: 'int', int64_t: 'int32_t', uint64_t: 'uint32_t', int32_t: 'int16_t', uint32_t: 'uint16_t',
  off_t: 'int',
};

/** An integer variable or parameter gets a narrower type; or a product/shift assigned to something gets a narrowing cast. */
export function integerOverflow({ root }: OperatorInput): Candidate[] {
  const out: Candidate[] = [];
  for (const decl of nodesOfType(root, ['declaration', 'parameter_declaration'])) {
    const type = decl.childForFieldName('type');
    const narrower = type ? NARROWER[type.text.replace(/\s+/g, ' ')] : undefined;
    if (!type || !narrower) continue;
    const declarators = decl.childrenForFieldName('declarator').filter((d): d is Node => d !== null);
    const allScalar = declarators.length > 0 && declarators.every((d) => {
      const inner = d.type === 'init_declarator' ? d.childForFieldName('declarator') : d;
      return inner?.type === 'identifier';
    });
    if (allScalar) out.push([replaceNode(type, narrower)]);
  }
  for (const assign of nodesOfType(root, 'assignment_expression')) {
    const right = assign.childForFieldName('right');
    const op = right && right.type === 'binary_expression' ? operatorOf(right)?.type : undefined;
    if (right && op && ['*', '<<', '+'].includes(op)) out.push([replaceNode(right, `(int16_t)(${right.text})`)]);
  }
  return out;
}
