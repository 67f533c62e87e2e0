import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filterStage, FILTERED, REJECTED, REPORT } from '../../../stage-images/filter/index.js';
import type { FilterReport } from '../../../stage-images/filter/report.js';
import type { Rejection } from '../../../stage-images/filter/judge.js';
import type { BugRecord } from '../../../core/records/record.js';
import { readJson } from '../../../core/store/store.js';
import { unitDir } from '../../../core/stage/layout.js';
import { fixtureFunctions, publishUpstream, readOutput, runStage, synthetic, tempRun, type TestRun } from './helpers.js';

const replaceOnce = (code: string, from: string, to: string): string => {
  if (!code.includes(from)) throw new Error(`fixture does not contain ${from}`);
  return code.replace(from, to);
};

// A real function whose macro (av_cold) tree-sitter's C grammar can't see: one syntax issue in the origin itself.
const MACRO_ORIGIN: BugRecord = {
  id: 'real-init-decoder', lang: 'c', label: 0, source: 'codexglue', project: 'fixture', split: 'train',
  func: 'static av_cold int init_decoder(AVCodecContext *avctx)\n{\n    DecoderContext *s = avctx->priv_data;\n\n    s->frame = av_frame_alloc();\n    if (!s->frame)\n        return AVERROR(ENOMEM);\n    return 0;\n}\n',
};

describe('filter stage', () => {
  let t: TestRun;
  let kept: BugRecord[];
  let rejected: Rejection[];
  let report: FilterReport;
  const expectedReason = new Map<string, string>();

  beforeAll(async () => {
    t = await tempRun({ generation: { batches: 2 } });
    const real = [...(await fixtureFunctions()), MACRO_ORIGIN];
    const byName = (name: string) => real.find((r) => r.id === `real-${name}`)!;
    const ring = byName('ring_buffer_push');
    const header = byName('parse_header');
    const chunked = byName('chunked');
    const retry = byName('retry_request');
    const lookup = byName('lookup_codec');
    const intervals = byName('merge_intervals');

    const offByOne = replaceOnce(ring.func, 'i < len', 'i <= len');
    const batch0: unknown[] = [
      synthetic(ring, 'syn-ring-off-by-one', offByOne),
      synthetic(ring, 'syn-ring-parse-error', replaceOnce(ring.func, '    rb->used += len;\n', '    rb->used += len\n')),
      synthetic(header, 'syn-two-functions', `${header.func}\nstatic int helper(int x)\n{\n    return x + 1;\n}\n`),
      synthetic(chunked, 'syn-python-import', `import itertools\n\n${replaceOnce(chunked.func, 'size <= 0', 'size < 0')}`),
      synthetic(ring, 'syn-too-short-lines', 'static int f(int *p) { return p ? *p + 1 : -EINVAL; }', { bug_type: 'removed-null-check' }),
      synthetic(ring, 'syn-too-short-chars', 'int f()\n{\n}\n'),
      synthetic(ring, 'syn-too-long', ring.func.replace('    return 0;\n}', `${'    rb->stats.pushes++;\n'.repeat(120)}    return 0;\n}`)),
      synthetic(header, 'syn-same-as-origin', header.func.replace(/\n {4}/g, '\n\t').replace('return 0;', 'return 0; /* ok */') + '\n// trailing comment\n'),
    ];
    const batch1: unknown[] = [
      synthetic(ring, 'syn-ring-exact-duplicate', offByOne.replace(/ {4}/g, '  ')),
      synthetic(header, 'syn-equals-other-real', lookup.func),
      synthetic(ring, 'syn-ring-near-duplicate', replaceOnce(offByOne, 'rb->used += len;', 'rb->used += len + 0;')),
      synthetic(chunked, 'syn-python-kept', replaceOnce(chunked.func, 'size <= 0', 'size < 0'), { bug_type: 'off-by-one' }),
      synthetic(retry, 'syn-python-decorated-kept', replaceOnce(retry.func, 'range(attempts)', 'range(attempts - 1)')),
      synthetic(MACRO_ORIGIN, 'syn-macro-kept', replaceOnce(MACRO_ORIGIN.func, '    if (!s->frame)\n        return AVERROR(ENOMEM);\n', ''), { bug_type: 'removed-null-check' }),
      { ...synthetic(ring, 'syn-no-origin', offByOne), origin_id: undefined },
      synthetic(ring, 'syn-bad-label', offByOne, { label: 2 as 0 }),
      synthetic({ ...ring, id: 'real-not-there' }, 'syn-unknown-origin', offByOne),
      // Python: indentation is block structure; the same tokens re-indented into the loop are a different function
      synthetic(intervals, 'syn-python-reindented-bug', replaceOnce(intervals.func, '    return merged', '        return merged')),
      synthetic(intervals, 'syn-python-layout-only', intervals.func.replace(/^( +)/gm, (lead) => ' '.repeat(lead.length / 2)).replace('merged = []', 'merged = []  # result')),
    ];
    const reasons: Record<string, string> = {
      'syn-ring-parse-error': 'parse-error', 'syn-two-functions': 'not-single-function', 'syn-python-import': 'not-single-function',
      'syn-too-short-lines': 'too-short', 'syn-too-short-chars': 'too-short', 'syn-too-long': 'too-long', 'syn-same-as-origin': 'same-as-origin', 'syn-python-layout-only': 'same-as-origin',
      'syn-ring-exact-duplicate': 'exact-duplicate', 'syn-equals-other-real': 'exact-duplicate', 'syn-ring-near-duplicate': 'near-duplicate',
      'syn-no-origin': 'malformed', 'syn-bad-label': 'malformed', 'syn-unknown-origin': 'unknown-origin',
    };
    for (const [id, reason] of Object.entries(reasons)) expectedReason.set(id, reason);

    await publishUpstream(t, 'analyze', {
      'dataset/train.jsonl.gz': real.slice(0, 6),
      'dataset/validation.jsonl.gz': real.slice(6, 9),
      'dataset/test.jsonl.gz': real.slice(9),
    });
    await publishUpstream(t, 'generate', { 'batch-0000.jsonl.gz': batch0 }, 'batch-0000');
    await publishUpstream(t, 'generate', { 'batch-0001.jsonl.gz': batch1 }, 'batch-0001');
    await runStage(t, filterStage);
    kept = await readOutput<BugRecord>(t, 'filter', FILTERED);
    rejected = await readOutput<Rejection>(t, 'filter', REJECTED);
    report = await readJson<FilterReport>(t.store, `${unitDir(t.run, 'filter')}/${REPORT}`);
  });
  afterAll(() => t.cleanup());

  it('keeps the good samples, in batch and row order', () => {
    expect(kept.map((r) => r.id)).toEqual(['syn-ring-off-by-one', 'syn-python-kept', 'syn-python-decorated-kept', 'syn-macro-kept', 'syn-python-reindented-bug']);
  });

  it('rejects each bad sample with its reason, a detail and the record itself', () => {
    const got = new Map(rejected.map((r) => [(r.record as BugRecord).id, r]));
    for (const [id, reason] of expectedReason) {
      expect(got.get(id)?.reason, id).toBe(reason);
      expect(got.get(id)?.detail, id).toBeTruthy();
    }
    expect(rejected).toHaveLength(expectedReason.size);
  });

  it('says what was wrong in the detail', () => {
    const detail = (id: string) => rejected.find((r) => (r.record as BugRecord).id === id)!.detail!;
    expect(detail('syn-ring-parse-error')).toMatch(/missing ';'/);
    expect(detail('syn-two-functions')).toMatch(/^2 top-level function definitions/);
    expect(detail('syn-python-import')).toMatch(/import_statement/);
    expect(detail('syn-too-short-lines')).toMatch(/1 line, filtering.minLines is 3/);
    expect(detail('syn-too-short-chars')).toMatch(/characters, filtering.minChars is 40/);
    expect(detail('syn-too-long')).toMatch(/tokens, filtering.maxTokens is 512/);
    expect(detail('syn-ring-exact-duplicate')).toMatch(/earlier kept synthetic/);
    expect(detail('syn-equals-other-real')).toMatch(/real function/);
    expect(detail('syn-ring-near-duplicate')).toMatch(/syn-ring-off-by-one/);
    expect(rejected.find((r) => (r.record as BugRecord).id === 'syn-bad-label')!.where).toBe('batch-0001 row 8');
  });

  it('counts kept and rejected by reason and by bug type in filter_report.json', () => {
    expect(report.input).toBe(19);
    expect(report.kept).toBe(5);
    expect(report.rejected).toBe(14);
    expect(report.rejectedByReason).toEqual({
      'malformed': 2, 'unknown-origin': 1, 'too-short': 2, 'too-long': 1, 'parse-error': 1, 'not-single-function': 2,
      'same-as-origin': 2, 'exact-duplicate': 2, 'near-duplicate': 1,
    });
    expect(report.byBugType['removed-null-check']).toEqual({ kept: 1, rejected: 1, byReason: { 'too-short': 1 } });
    expect(report.inputByUnit).toEqual({ 'batch-0000': 8, 'batch-0001': 11 });
    expect(report.realFunctionsIndexed).toBe(11);
  });

  it('publishes a headline and counts in the manifest', async () => {
    const result = await runStage(t, filterStage); // same inputs: cached
    expect(result.status).toBe('cached');
    expect(result.manifest.headline).toBe('5 kept of 19 (14 rejected: 2 exact-duplicate, 2 malformed, 2 not-single-function, 2 same-as-origin, 2 too-short, 1 near-duplicate, 1 parse-error, 1 too-long, 1 unknown-origin)');
    expect(result.manifest.counts).toEqual({ input: 19, kept: 5, rejected: 14 });
  });

  it('writes byte-identical outputs when run again', async () => {
    const before = await readOutput<unknown>(t, 'filter', REJECTED);
    await runStage(t, filterStage, true);
    expect(await readOutput<unknown>(t, 'filter', REJECTED)).toEqual(before);
    expect((await readOutput<BugRecord>(t, 'filter', FILTERED)).map((r) => r.id)).toEqual(kept.map((r) => r.id));
  });
});
