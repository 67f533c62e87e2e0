import { describe, expect, it } from 'vitest';
import { codeTokens, countCodeTokens, countLines, normalizeCode, normalizedCodeHash } from '../../../core/records/code-tokens.js';

describe('codeTokens (C)', () => {
  it('splits identifiers, numbers, literals and operators, longest operator first, comments dropped', () => {
    const code = 'static int f(char *p) { /* skip */ if (p->n >= 0x1F) return p[1] << 2; // tail\n s = "a\\"b"; c = \'\\n\'; x += 1.5e3f; }';
    expect(codeTokens(code)).toEqual([
      'static', 'int', 'f', '(', 'char', '*', 'p', ')', '{',
      'if', '(', 'p', '->', 'n', '>=', '0x1F', ')', 'return', 'p', '[', '1', ']', '<<', '2', ';',
      's', '=', '"a\\"b"', ';', 'c', '=', "'\\n'", ';', 'x', '+=', '1.5e3f', ';', '}',
    ]);
    expect(countCodeTokens(code)).toBe(38);
  });

  it('treats layout and comment differences as equal when normalising', () => {
    const a = 'int add(int a, int b)\n{\n    return a + b; /* sum */\n}\n';
    const b = 'int add(int a,int b){return a+b;}';
    expect(normalizeCode(a)).toBe('int add ( int a , int b ) { return a + b ; }');
    expect(normalizedCodeHash(a)).toBe(normalizedCodeHash(b));
    expect(normalizedCodeHash(a)).not.toBe(normalizedCodeHash('int add(int a, int b) { return a - b; }'));
  });
});

describe('codeTokens (Python)', () => {
  it('keeps Python operators and strings, drops # comments', () => {
    expect(codeTokens('def f(x):  # doc\n    return x ** 2 // 3 if x != "#" else None\n', 'python')).toEqual([
      'def', 'f', '(', 'x', ')', ':', 'return', 'x', '**', '2', '//', '3', 'if', 'x', '!=', '"#"', 'else', 'None',
    ]);
  });
});

describe('countLines', () => {
  it('counts lines without counting a trailing newline as a line', () => {
    expect(countLines('')).toBe(0);
    expect(countLines('a')).toBe(1);
    expect(countLines('a\nb')).toBe(2);
    expect(countLines('a\nb\n')).toBe(2);
    expect(countLines('a\n\nb\n')).toBe(3);
  });
});
