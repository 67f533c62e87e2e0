import { beforeAll, describe, expect, it } from 'vitest';
import { BUG_TYPES, type BugType } from '../../../api/v1alpha1/names.js';
import { loadTreeParser, type TreeParser } from '../../../stage-images/generate/mutation/syntax-tree.js';
import { mutate } from '../../../stage-images/generate/mutation/engine.js';
import { OPERATORS } from '../../../stage-images/generate/mutation/operators/index.js';
import { applyEdits } from '../../../stage-images/generate/mutation/edit.js';
import { seededRandom } from '../../../stage-images/generate/random.js';
import { fixtures, spanCoversChange, type Fixture } from './helpers.js';

let parser: TreeParser;
let all: Fixture[];
beforeAll(async () => {
  parser = await loadTreeParser();
  all = await fixtures();
});

const sitesOf = (bugType: BugType, f: Fixture) =>
  parser.withTree(f.func, f.lang, (root) => OPERATORS[bugType][f.lang]?.({ source: f.func, root, lang: f.lang }) ?? []);

describe('mutation operators on fixture functions', () => {
  it('the fixtures themselves parse cleanly', () => {
    for (const f of all) expect(parser.check.parse(f.func, f.lang).errors, f.name).toEqual([]);
  });

  for (const bugType of BUG_TYPES) {
    it(`${bugType}: every site on every fixture gives parsing code that differs, with a span that covers the change`, () => {
      let checked = 0;
      for (const f of all) {
        for (const edits of sitesOf(bugType, f)) {
          const { source, changedLines } = applyEdits(f.func, edits);
          expect(source, `${f.name}`).not.toBe(f.func);
          expect(parser.check.parse(source, f.lang).errors, `${bugType} on ${f.name}:\n${source}`).toEqual([]);
          expect(spanCoversChange(f.func, source, changedLines), `${bugType} on ${f.name}: span ${changedLines}\n${source}`).toBe(true);
          expect(changedLines[1] - changedLines[0]).toBeLessThanOrEqual(2);
          checked++;
        }
      }
      expect(checked, `${bugType} applies to no fixture`).toBeGreaterThan(0);
    });
  }
});

describe('what each operator changes', () => {
  const fixture = (name: string) => all.find((f) => f.name === name)!;
  const one = (bugType: BugType, name: string) => {
    const f = fixture(name);
    const r = mutate(parser, f.func, f.lang, [bugType], seededRandom('t', bugType));
    if (!r.ok) throw new Error(`${bugType} did not apply to ${name}: ${r.detail}`);
    return { before: f.func, after: r.source, lines: r.source.split('\n').slice(r.changedLines[0] - 1, r.changedLines[1]).join('\n') };
  };
  const count = (text: string, needle: string) => text.split(needle).length - 1;

  it('off-by-one flips the strictness of a comparison or bumps an index', () => {
    const { before, after } = one('off-by-one', 'read_packet.c');
    expect(count(after, '<=') + count(after, '>=') + count(after, '+ 1]') - count(before, '<=') - count(before, '>=')).not.toBe(0);
  });
  it('removed-null-check drops the `if (!pb)` guard', () => {
    const { after } = one('removed-null-check', 'read_packet.c');
    expect(after).not.toContain('if (!pb)');
    expect(after).not.toContain('return AVERROR(EINVAL)');
  });
  it('removed-bounds-check drops the size guard, keeps the null check', () => {
    const { after } = one('removed-bounds-check', 'read_packet.c');
    expect(after).not.toContain('buf_size > MAX_PACKET_SIZE');
    expect(after).toContain('if (!pb)');
  });
  it('missing-free removes one free-like call', () => {
    const { before, after } = one('missing-free', 'buffer_free.c');
    expect(count(after, 'free(')).toBe(count(before, 'free(') - 1);
  });
  it('double-free repeats a free on the next line', () => {
    const { lines } = one('double-free', 'buffer_free.c');
    const [a, b] = lines.split('\n').map((l) => l.trim());
    expect(a).toBe(b);
    expect(a).toMatch(/free\(\w+\);/);
  });
  it('use-after-free moves the free above a statement that still uses the pointer', () => {
    const { after } = one('use-after-free', 'buffer_free.c');
    expect(after.indexOf('free(data);')).toBeLessThan(after.indexOf('memset(data, 0, size);'));
  });
  it('missing-break removes a break from a case that is not the last', () => {
    const { before, after } = one('missing-break', 'decode_frame.c');
    expect(count(after, 'break;')).toBe(count(before, 'break;') - 1);
    expect(after.trimEnd().split('default:')[1]).toContain('break;');
  });
  it('wrong-error-return makes an error path return 0', () => {
    const { lines } = one('wrong-error-return', 'virtio_queue.c');
    expect(lines.trim()).toBe('return 0;');
  });
  it('uninitialized-variable drops an initialiser', () => {
    const { before, after } = one('uninitialized-variable', 'copy_block.c');
    expect(count(after, ' = ')).toBe(count(before, ' = ') - 1);
  });
  it('integer-overflow narrows a type or casts a product', () => {
    const { before, after, lines } = one('integer-overflow', 'copy_block.c');
    expect(lines).toMatch(/\bshort\b|\(int16_t\)|\bint total\b/);
    expect(before).not.toContain(lines.trim());
    expect(after.length - before.length).toBeLessThanOrEqual(12);
  });
  it('variable-misuse swaps in another variable of the same declared type', () => {
    const { before, after } = one('variable-misuse', 'decode_frame.c');
    const ids = (s: string) => (s.match(/\b(width|height|ret)\b/g) ?? []).length;
    expect(ids(after)).toBe(ids(before)); // one int variable replaced by another int variable
    expect(after).not.toBe(before);
  });
  it('swapped-arguments swaps two adjacent arguments of a call', () => {
    const { before, lines } = one('swapped-arguments', 'virtio_queue.c');
    const call = /(\w+)\(([^()]*)\)/.exec(lines)!;
    const args = call[2].split(',').map((s) => s.trim());
    expect(before).not.toContain(`${call[1]}(${call[2]})`);
    expect(args.length).toBeGreaterThanOrEqual(2);
  });
  it('Python: a `not x` guard and a range bound', () => {
    expect(one('removed-null-check', 'clamp.py').after).not.toContain('if not values');
    const f = fixture('parse_header.py');
    const ranges = sitesOf('off-by-one', f).map((e) => applyEdits(f.func, e).source).filter((s) => s.includes('range(offset, limit + 1)'));
    expect(ranges).toHaveLength(1);
  });
  it('Python uninitialized-variable drops the first assignment of a name read later', () => {
    const { before, after } = one('uninitialized-variable', 'clamp.py');
    expect(before).toContain('out = []');
    expect(after).not.toContain('out = []');
    expect(after).toContain('out.append');
  });
  it('an operator that has no site tries the next bug type, and reports when none applies', () => {
    const f = fixture('read_packet.c');
    const r = mutate(parser, f.func, f.lang, ['missing-break', 'double-free', 'wrong-error-return'], seededRandom(1));
    expect(r.ok && r.bugType).toBe('wrong-error-return');
    const none = mutate(parser, f.func, f.lang, ['missing-break', 'double-free'], seededRandom(1));
    expect(none).toMatchObject({ ok: false, reason: 'no-applicable-operator' });
    expect(!none.ok && none.detail).toContain('missing-break: no site');
  });
  it('a site that would break the syntax is skipped', () => {
    // `if (a) free(p);`: deleting the free alone would leave `if (a)` without a body.
    const src = 'void f(char *p, int a)\n{\n    if (a) free(p);\n}\n';
    const r = mutate(parser, src, 'c', ['missing-free'], seededRandom(1));
    expect(r.ok).toBe(false);
  });
});
