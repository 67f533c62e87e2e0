import { describe, expect, it } from 'vitest';
import { loadCodeParser, parseFunction } from '../../../core/code/parse.js';

describe('parseFunction (tree-sitter)', () => {
  it('accepts a clean C function and names it', async () => {
    const result = await parseFunction('static int *find(int *a, int n)\n{\n    for (int i = 0; i < n; i++)\n        if (a[i]) return &a[i];\n    return NULL;\n}\n', 'c');
    expect(result).toEqual({ ok: true, errors: [], errorCount: 0, topLevelFunctionCount: 1, functionNames: ['find'], otherTopLevel: [], rootType: 'translation_unit' });
  });

  it('reports a missing token with its position', async () => {
    const result = await parseFunction('int f(int x)\n{\n    return x + 1\n}\n', 'c');
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([{ kind: 'missing', line: 3, column: 17, text: ';' }]);
  });

  it('reports text it could not place, and counts every issue while listing at most maxIssues', async () => {
    const code = 'def f(x):\n    return (x +\n\ndef g(:\n    pass\n';
    const all = await parseFunction(code, 'python');
    expect(all.ok).toBe(false);
    expect(all.errors[0]).toMatchObject({ kind: 'error', line: 2 });
    const none = await parseFunction(code, 'python', { maxIssues: 0 });
    expect(none.errors).toEqual([]);
    expect(none.errorCount).toBe(all.errorCount);
  });

  it('counts top-level functions (decorated Python ones too) and lists the other top-level items', async () => {
    const c = await parseFunction('#include <stdio.h>\n/* helper */\nstatic int a(void) { return 1; }\nint b(void) { return a(); }\n', 'c');
    expect(c).toMatchObject({ ok: true, topLevelFunctionCount: 2, functionNames: ['a', 'b'], otherTopLevel: ['preproc_include'] });
    const py = await parseFunction('import os\n\n@cache\ndef f(x):\n    # comment\n    return os.path.join(x, "y")\n', 'python');
    expect(py).toMatchObject({ ok: true, topLevelFunctionCount: 1, functionNames: ['f'], otherTopLevel: ['import_statement'] });
    const nested = await parseFunction('def outer():\n    def inner():\n        return 1\n    return inner\n', 'python');
    expect(nested.topLevelFunctionCount).toBe(1);
  });

  it('loads once and hands out whole trees', async () => {
    const parser = await loadCodeParser();
    expect(await loadCodeParser()).toBe(parser);
    const calls = parser.withTree('int f(void) { return 1 + 2; }', 'c', (root) => root.descendantsOfType('binary_expression').map((n) => n?.text));
    expect(calls).toEqual(['1 + 2']);
    expect(() => parser.parse('x', 'rust' as 'c')).toThrow(/no tree-sitter grammar for language 'rust'/);
  });
});

describe('structure', () => {
  it('shows Python block structure and ignores layout and comments', async () => {
    const shape = async (code: string) => (await parseFunction(code, 'python', { structure: true })).structure;
    const base = 'def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n';
    expect(await shape('def f(xs):\n  total = 0  # start\n  for x in xs:\n    total += x\n  return total\n')).toBe(await shape(base));
    expect(await shape('def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n        return total\n')).not.toBe(await shape(base));
    expect((await parseFunction(base, 'python')).structure).toBeUndefined();
  });
});
