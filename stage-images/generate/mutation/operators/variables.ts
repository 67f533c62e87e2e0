// variable-misuse and uninitialized-variable (C): names and their declared types in a function.
import type { Node } from 'web-tree-sitter';
import type { Candidate } from '../edit.js';
import { deleteStatement, replaceNode } from '../edit.js';
import { functionBody, namedKids, nodesOfType, type OperatorInput } from '../nodes.js';

interface Declared { name: string; type: string; declaredAt: number; node: Node }

/** Unwraps a declarator to its name, building the type suffix (`*`, `[]`) on the way. */
function nameOf(declarator: Node | null): { name: string; suffix: string } | undefined {
  let suffix = '';
  let d = declarator;
  while (d) {
    if (d.type === 'identifier') return { name: d.text, suffix };
    if (d.type === 'pointer_declarator') suffix += '*';
    else if (d.type === 'array_declarator') suffix += '[]';
    else if (d.type === 'function_declarator') return undefined;
    else if (d.type !== 'init_declarator' && d.type !== 'parenthesized_declarator') return undefined;
    d = d.childForFieldName('declarator') ?? namedKids(d)[0] ?? null;
  }
  return undefined;
}

/** Parameters and the declarations directly in the function body: in scope from their declaration on. */
function declaredNames(root: Node): Declared[] {
  const fn = nodesOfType(root, 'function_definition')[0];
  const body = functionBody(root);
  if (!fn || !body) return [];
  const out: Declared[] = [];
  for (const p of nodesOfType(fn.childForFieldName('declarator') ?? fn, 'parameter_declaration')) {
    const named = nameOf(p.childForFieldName('declarator'));
    const type = p.childForFieldName('type')?.text;
    if (named && type) out.push({ name: named.name, type: `${type}${named.suffix}`, declaredAt: fn.startIndex, node: p });
  }
  for (const decl of namedKids(body).filter((n) => n.type === 'declaration')) {
    const type = decl.childForFieldName('type')?.text;
    if (!type) continue;
    for (const d of decl.childrenForFieldName('declarator')) {
      const named = d ? nameOf(d) : undefined;
      if (named) out.push({ name: named.name, type: `${type}${named.suffix}`, declaredAt: decl.endIndex, node: d! });
    }
  }
  return out;
}

const DECLARATOR_PARENTS = new Set(['init_declarator', 'pointer_declarator', 'array_declarator', 'declaration', 'parameter_declaration', 'function_declarator']);

/** Identifiers that read or write a variable (not its declaration, not a called function's name). */
function usesOf(body: Node): Node[] {
  return nodesOfType(body, 'identifier').filter((id) => {
    const parent = id.parent;
    if (!parent) return false;
    if (DECLARATOR_PARENTS.has(parent.type) && parent.childForFieldName('declarator')?.equals(id)) return false;
    if (parent.type === 'declaration') return false;
    if (parent.type === 'call_expression' && parent.childForFieldName('function')?.equals(id)) return false;
    return true;
  });
}

/** A use of variable `v` becomes another in-scope variable `w` of the same declared type. */
export function variableMisuse({ root }: OperatorInput): Candidate[] {
  const body = functionBody(root);
  if (!body) return [];
  const declared = declaredNames(root);
  const byName = new Map(declared.map((d) => [d.name, d]));
  const out: Candidate[] = [];
  for (const use of usesOf(body)) {
    const v = byName.get(use.text);
    if (!v || use.startIndex < v.declaredAt) continue;
    for (const w of declared) {
      if (w.name !== v.name && w.type === v.type && w.declaredAt <= use.startIndex) out.push([replaceNode(use, w.name)]);
    }
  }
  return out;
}

/** A local's initialiser is dropped (`int n = 0;` → `int n;`) where the variable is read afterwards. */
export function uninitializedVariable({ root }: OperatorInput): Candidate[] {
  const body = functionBody(root);
  if (!body) return [];
  const uses = usesOf(body);
  const out: Candidate[] = [];
  for (const decl of nodesOfType(body, 'declaration')) {
    const qualifiers = namedKids(decl).filter((k) => k.type === 'storage_class_specifier' || k.type === 'type_qualifier').map((k) => k.text);
    if (qualifiers.includes('static') || qualifiers.includes('const') || qualifiers.includes('extern')) continue;
    for (const d of decl.childrenForFieldName('declarator')) {
      if (!d || d.type !== 'init_declarator') continue;
      const named = nameOf(d);
      const target = d.childForFieldName('declarator');
      if (!named || !target || named.suffix.includes('[]')) continue;
      if (uses.some((u) => u.text === named.name && u.startIndex > d.endIndex)) out.push([replaceNode(d, target.text)]);
    }
  }
  return out;
}

/**
 * Python: a variable's first assignment in the function body (`total = 0`) is dropped where the
 * name is read later, so the read fails (UnboundLocalError) or picks up a global.
 */
export function uninitializedVariablePython({ root, source }: OperatorInput): Candidate[] {
  const body = functionBody(root);
  if (!body) return [];
  const params = new Set(nodesOfType(root, 'parameters').flatMap((p) => nodesOfType(p, 'identifier').map((i) => i.text)));
  const out: Candidate[] = [];
  const seen = new Set<string>();
  let identifiers: Node[] | undefined; // the body's, found once (for the first candidate assignment)
  for (const statement of namedKids(body)) {
    const assign = statement.type === 'expression_statement' ? namedKids(statement)[0] : undefined;
    const target = assign?.type === 'assignment' ? assign.childForFieldName('left') : undefined;
    if (!target || target.type !== 'identifier' || params.has(target.text) || seen.has(target.text)) continue;
    seen.add(target.text);
    identifiers ??= nodesOfType(body, 'identifier');
    const readLater = identifiers.some((id) => id.text === target.text && id.startIndex > statement.endIndex);
    if (readLater) out.push([deleteStatement(source, statement)]);
  }
  return out;
}
