// A small lexical tokenizer for C and Python source, shared by the stages (length statistics,
// token budgets, duplicate hashing, MinHash shingles). It is deliberately lexical, not a parser:
// identifiers, numbers, string/char literals, and operators (longest match first), with comments
// and whitespace dropped. Hand-written because it is a single regular expression and a real
// parser (tree-sitter) would be far slower for counting tokens over a million rows.
import { createHash } from 'node:crypto';
import type { Lang } from './record.js';

// Alternation order matters: comments and literals before operators, longer operators first.
const C_TOKEN = new RegExp([
  String.raw`\/\/[^\n]*`, // line comment (dropped)
  String.raw`\/\*[\s\S]*?(?:\*\/|$)`, // block comment (dropped; unterminated runs to the end)
  String.raw`"(?:[^"\\\n]|\\.)*"?`, // string literal
  String.raw`'(?:[^'\\\n]|\\.)*'?`, // char literal
  String.raw`0[xX][0-9a-fA-F]+[uUlL]*`,
  String.raw`(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[uUlLfF]*`,
  String.raw`[A-Za-z_]\w*`,
  String.raw`<<=|>>=|\.\.\.|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[+\-*/%&|^!=<>]=`,
  String.raw`[^\s\w]`,
].join('|'), 'g');

const PY_TOKEN = new RegExp([
  String.raw`#[^\n]*`, // comment (dropped)
  String.raw`[rRbBuUfF]{0,2}(?:"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$))`,
  String.raw`[rRbBuUfF]{0,2}(?:"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?)`,
  String.raw`0[xXoObB][0-9a-fA-F_]+`,
  String.raw`(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?`,
  String.raw`[A-Za-z_]\w*`,
  String.raw`\*\*=|\/\/=|>>=|<<=|->|:=|\*\*|\/\/|<<|>>|<=|>=|==|!=|[+\-*/%&|^@]=`,
  String.raw`[^\s\w]`,
].join('|'), 'g');

const isComment = (token: string, lang: Lang) =>
  lang === 'python' ? token.startsWith('#') : token.startsWith('//') || token.startsWith('/*');

/** The code tokens of a function, comments and whitespace dropped. */
export function codeTokens(code: string, lang: Lang = 'c'): string[] {
  const pattern = lang === 'python' ? PY_TOKEN : C_TOKEN;
  const tokens: string[] = [];
  for (const match of code.matchAll(pattern)) {
    if (!isComment(match[0], lang)) tokens.push(match[0]);
  }
  return tokens;
}

/** How many code tokens a function has (no array kept); with `stopAfter`, counting stops once it is passed. */
export function countCodeTokens(code: string, lang: Lang = 'c', stopAfter = Infinity): number {
  const pattern = lang === 'python' ? PY_TOKEN : C_TOKEN;
  let n = 0;
  for (const match of code.matchAll(pattern)) {
    if (!isComment(match[0], lang) && ++n > stopAfter) break;
  }
  return n;
}

/** Whether a function has more than `limit` code tokens (a token is at least one character: short code is not even scanned). */
export const hasMoreTokensThan = (code: string, lang: Lang, limit: number): boolean =>
  code.length > limit && countCodeTokens(code, lang, limit) > limit;

/** Lines of a function: newline-separated, a trailing newline does not start another line. */
export function countLines(code: string): number {
  if (code === '') return 0;
  let n = 1;
  for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) === 10) n++;
  return code.endsWith('\n') ? n - 1 : n;
}

/** The code with comments removed and whitespace between tokens normalised to one space. */
export function normalizeCode(code: string, lang: Lang = 'c'): string {
  return codeTokens(code, lang).join(' ');
}

/** A short stable hash of the normalised code: equal for functions that differ only in comments and layout. */
export function normalizedCodeHash(code: string, lang: Lang = 'c'): string {
  return createHash('sha256').update(normalizeCode(code, lang)).digest('hex').slice(0, 32);
}
