// Which split each real row ends up in, as merge writes it — shared by merge (which writes the
// splits) and generate (which, with generation.from: train, must pick its origins among the rows
// merge will put in train, or their samples are dropped from validation/test).
//
// Real rows are split by group (split.groupBy): with `commit`, the rows sharing a commit_id form
// one group; a row without a commit_id, or every row with `id`, is a group of its own. A pass over
// the real rows gives each group a stratum — the label × source of its first-seen row (rows read
// train, validation, test, in file order) — and a seeded hash u in [0, 1); per stratum, the groups
// with the smallest u go to train, the next to validation, the rest to test, at exact ratios
// (split-assign.ts). With split.respectSourceSplits a row stays in the split of its file.
import type { SplitSpec } from '../../api/v1alpha1/spec.js';
import { NumberTable, hash52, unitHash } from '../collections/number-table.js';
import type { BugRecord, SplitName } from './record.js';
import { StratumQuantiles, assign, type Cuts } from './split-assign.js';

export interface RealRow { record: BugRecord; file: SplitName }

/** The stratum of a real row: its label and source. */
export const stratumOf = (r: BugRecord): string => `${r.label}|${r.source}`;

/** The group of a real row: `commit:<commit_id>` with groupBy commit when it has a non-empty commit_id, else its id. */
export const groupKeyOf = (r: BugRecord, groupBy: SplitSpec['groupBy']): string =>
  groupBy === 'commit' && typeof r.commit_id === 'string' && r.commit_id !== '' ? `commit:${r.commit_id}` : r.id;

// u has 48 bits (unitHash): u·2^48·32 + stratum index is exact in a double for up to 31 strata;
// beyond that (not seen in practice: strata are label × source) the index is stored alone, negated.
const PACKED_STRATA = 31;
const packGroup = (u: number, stratum: number): number => (stratum < PACKED_STRATA ? u * 2 ** 48 * 32 + stratum : -1 - stratum);
const unpackGroup = (packed: number, recompute: () => number): { u: number; stratum: number } =>
  packed < 0 ? { u: recompute(), stratum: -1 - packed } : { u: Math.floor(packed / 32) / 2 ** 48, stratum: packed % 32 };

export class SplitPlan {
  /** group hash → its u and the index in `strata` of its first-seen row, packed (so a row's group is hashed once per pass) */
  private readonly groups = new NumberTable();
  private readonly strata: string[] = [];
  private constructor(private readonly split: SplitSpec, private cuts: Map<string, Cuts> | undefined) {}

  /**
   * Reads the real rows (all of them, in merge's order) once and fixes the cut points; with
   * respectSourceSplits nothing is read. `onRow` sees each row (progress).
   */
  static async build(rows: AsyncIterable<RealRow> | undefined, split: SplitSpec, onRow: (row: RealRow, group: number) => void = () => undefined): Promise<SplitPlan> {
    if (split.respectSourceSplits || !rows) return new SplitPlan(split, undefined);
    const plan = new SplitPlan(split, undefined);
    const quantiles = new StratumQuantiles();
    const stratumIndex = new Map<string, number>();
    for await (const row of rows) {
      const { record } = row;
      const group = groupKeyOf(record, split.groupBy);
      const key = hash52(group);
      if (!plan.groups.has(key)) {
        const stratum = stratumOf(record);
        let index = stratumIndex.get(stratum);
        if (index === undefined) {
          stratumIndex.set(stratum, (index = plan.strata.length));
          plan.strata.push(stratum);
        }
        const u = unitHash(split.seed, group);
        plan.groups.set(key, packGroup(u, index));
        quantiles.add(stratum, u);
      }
      onRow(row, key);
    }
    plan.cuts = quantiles.cuts({ train: split.train, validation: split.validation, test: split.test });
    return plan;
  }

  /** Per stratum, the target sizes of each split in groups (undefined with respectSourceSplits). */
  get strataCuts(): Map<string, Cuts> | undefined {
    return this.cuts;
  }

  /**
   * The split of a group (by its hash, as `build` passed it to onRow), after a re-split; undefined
   * when it can't tell from the hash alone (respectSourceSplits, or a group of the rare >31 strata).
   */
  splitOfGroup(group: number): SplitName | undefined {
    const packed = this.groups.get(group);
    if (!this.cuts || packed === undefined || packed < 0) return undefined;
    const { u, stratum } = unpackGroup(packed, () => NaN);
    return assign(u, this.cuts.get(this.strata[stratum])!);
  }

  /** The split of a real row (one that was read by build, unless respectSourceSplits) and its group hash. */
  place(row: RealRow): { split: SplitName; group: number } {
    const groupKey = groupKeyOf(row.record, this.split.groupBy);
    const group = hash52(groupKey);
    if (!this.cuts) return { split: row.file, group };
    const packed = this.groups.get(group);
    if (packed === undefined) throw new Error(`real row ${row.record.id} was not in the rows the split plan was built from (analyze's output changed?)`);
    const { u, stratum } = unpackGroup(packed, () => unitHash(this.split.seed, groupKey));
    return { split: assign(u, this.cuts.get(this.strata[stratum])!), group };
  }
}
