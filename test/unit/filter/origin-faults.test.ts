// The filter tolerates in a sample what its origin already had: syntax issues the grammar finds
// in the real function (a macro qualifier), and a top-level shape that is not one clean function
// (a signature split by #if/#else/#endif) — but nothing a sample adds to them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filterStage, FILTERED, REJECTED } from '../../../stage-images/filter/index.js';
import type { Rejection } from '../../../stage-images/filter/judge.js';
import type { BugRecord } from '../../../core/records/record.js';
import { publishUpstream, readOutput, runStage, synthetic, tempRun, type TestRun } from './helpers.js';

const IFDEF_ORIGIN: BugRecord = {
  id: 'real-ifdef', lang: 'c', label: 0, source: 'sqlite', project: 'fixture', split: 'train',
  func: '#if SQLITE_THREADSAFE\nstatic int countRows(Table *pTab, int nRow, int nThread)\n#else\nstatic int countRows(Table *pTab, int nRow)\n#endif\n{\n    int i, n = 0;\n\n    for (i = 0; i < nRow; i++) {\n        if (pTab->aRow[i].nField > 0)\n            n++;\n    }\n    return n;\n}\n',
};

describe('filter: faults the origin already has', () => {
  let t: TestRun;
  let kept: string[];
  let rejected: Map<string, string>;

  beforeAll(async () => {
    t = await tempRun({ generation: { batches: 1 } });
    const offByOne = IFDEF_ORIGIN.func.replace('i < nRow', 'i <= nRow');
    await publishUpstream(t, 'analyze', { 'dataset/train.jsonl.gz': [IFDEF_ORIGIN], 'dataset/validation.jsonl.gz': [], 'dataset/test.jsonl.gz': [] });
    await publishUpstream(t, 'generate', {
      'batch-0000.jsonl.gz': [
        synthetic(IFDEF_ORIGIN, 'syn-ifdef-off-by-one', offByOne),
        synthetic(IFDEF_ORIGIN, 'syn-ifdef-extra-function', `${IFDEF_ORIGIN.func.replace('n++;', 'n--;')}\nstatic int helper(int x)\n{\n    return x;\n}\n`),
        synthetic(IFDEF_ORIGIN, 'syn-ifdef-extra-error', offByOne.replace('return n;', 'return n')),
      ],
    }, 'batch-0000');
    await runStage(t, filterStage);
    kept = (await readOutput<BugRecord>(t, 'filter', FILTERED)).map((r) => r.id);
    rejected = new Map((await readOutput<Rejection>(t, 'filter', REJECTED)).map((r) => [(r.record as BugRecord).id, r.reason]));
  });
  afterAll(() => t?.cleanup());

  it('keeps a mutant of a function whose signature is split by #if/#else/#endif', () => {
    expect(kept).toEqual(['syn-ifdef-off-by-one']);
  });

  it('still rejects what the mutant adds: another function, another syntax error', () => {
    expect(Object.fromEntries(rejected)).toEqual({ 'syn-ifdef-extra-function': 'not-single-function', 'syn-ifdef-extra-error': 'parse-error' });
  });
});
