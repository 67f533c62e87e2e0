import { describe, expect, it } from 'vitest';
import { SplitTally } from '../../../stage-images/merge/report.js';
import { hash52 } from '../../../core/collections/number-table.js';

describe('SplitTally leakage check', () => {
  it('counts a group written to two splits once, and groups kept together not at all', () => {
    const tally = new SplitTally();
    tally.written('train', 'codexglue', 0, 'real-1');
    tally.written('train', 'synthetic', 1, 'real-1');
    tally.written('test', 'codexglue', 1, 'real-2');
    expect(tally.groupsCrossingSplits).toBe(0);
    tally.written('validation', 'synthetic', 1, 'real-1');
    tally.written('test', 'synthetic', 1, 'real-1');
    expect(tally.groupsCrossingSplits).toBe(1);
    const report = tally.report({ seed: 1, ratios: { train: 0.8, validation: 0.1, test: 0.1 }, respectSourceSplits: false, syntheticInEval: true, groupBy: 'commit' }, undefined);
    expect(report.leakage).toEqual({ groupBy: 'commit', groups: 2, groupsCrossingSplits: 1 });
    expect(report.counts.train).toEqual({ codexglue: { '0': 1 }, synthetic: { '1': 1 } });
    expect(report.rows).toEqual({ train: 2, validation: 1, test: 2 });
  });

  it('takes a group as a key or as its hash52, the same group either way', () => {
    const tally = new SplitTally();
    tally.written('train', 'codexglue', 0, 'commit:abc');
    tally.written('test', 'codexglue', 1, hash52('commit:abc'));
    expect(tally.groupsCrossingSplits).toBe(1);
  });
});
