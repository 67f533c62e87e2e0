// split_report.json: rows per split × source × label, what was dropped and why, and a leakage
// check over what was actually written (a group = the real rows of one split.groupBy key — a
// commit, or one row — plus the synthetic samples made from them).
import type { SplitName } from '../../core/records/record.js';
import { NumberTable, hash52 } from '../../core/collections/number-table.js';
import type { SplitSpec } from '../../api/v1alpha1/spec.js';
import { SPLIT_ORDER, type Cuts, type SplitRatios } from '../../core/records/split-assign.js';

const SPLIT_CODE: Record<SplitName, number> = { train: 1, validation: 2, test: 3 };
const CROSSED = 4;

export interface SplitReport {
  seed: number;
  ratios: SplitRatios;
  respectSourceSplits: boolean;
  syntheticInEval: boolean;
  groupBy: SplitSpec['groupBy'];
  rows: Record<SplitName, number>;
  /** split → source → label → rows */
  counts: Record<SplitName, Record<string, Record<string, number>>>;
  /** per stratum (label|source of a group's first-seen real row): target sizes of each split, in groups (absent with respectSourceSplits) */
  strata?: Record<string, Record<SplitName, number>>;
  synthetic: { read: number; written: number; droppedFromEval: Record<'validation' | 'test', number>; withoutOrigin: number };
  leakage: { groupBy: SplitSpec['groupBy']; groups: number; groupsCrossingSplits: number };
}

export class SplitTally {
  readonly rows: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  readonly counts: SplitReport['counts'] = { train: {}, validation: {}, test: {} };
  readonly synthetic: SplitReport['synthetic'] = { read: 0, written: 0, droppedFromEval: { validation: 0, test: 0 }, withoutOrigin: 0 };
  private readonly observed = new NumberTable();
  private groups = 0;
  private crossing = 0;

  /** Counts a written row and checks that its group (a key, or its hash52) has not been written to another split. */
  written(split: SplitName, source: string, label: number, group: string | number): void {
    this.rows[split]++;
    const bySource = (this.counts[split][source] ??= {});
    bySource[String(label)] = (bySource[String(label)] ?? 0) + 1;
    const key = typeof group === 'number' ? group : hash52(group);
    const seen = this.observed.get(key);
    if (seen === undefined) {
      this.observed.set(key, SPLIT_CODE[split]);
      this.groups++;
    } else if (seen !== SPLIT_CODE[split] && seen !== CROSSED) {
      this.observed.set(key, CROSSED);
      this.crossing++;
    }
  }

  get groupsCrossingSplits(): number {
    return this.crossing;
  }

  report(settings: Pick<SplitReport, 'seed' | 'ratios' | 'respectSourceSplits' | 'syntheticInEval' | 'groupBy'>, cuts: Map<string, Cuts> | undefined): SplitReport {
    return {
      ...settings,
      rows: this.rows,
      counts: this.counts,
      ...(cuts ? { strata: Object.fromEntries([...cuts].map(([stratum, c]) => [stratum, c.counts])) } : {}),
      synthetic: this.synthetic,
      leakage: { groupBy: settings.groupBy, groups: this.groups, groupsCrossingSplits: this.crossing },
    };
  }

  headline(): string {
    const n = (x: number) => x.toLocaleString('en-US');
    const total = SPLIT_ORDER.reduce((a, s) => a + this.rows[s], 0);
    const parts = SPLIT_ORDER.map((s) => `${s} ${n(this.rows[s])}`).join(' / ');
    const dropped = this.synthetic.droppedFromEval.validation + this.synthetic.droppedFromEval.test;
    const synthetic = this.synthetic.read > 0
      ? `; ${n(this.synthetic.written)} synthetic${dropped > 0 ? `, ${n(dropped)} dropped from validation/test` : ''}`
      : '';
    return `${n(total)} rows: ${parts}${synthetic}; ${n(this.crossing)} groups cross splits`;
  }
}
