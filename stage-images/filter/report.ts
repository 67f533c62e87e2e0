// filter_report.json and the stage's headline: kept and rejected counts, by reason and per bug type.
import { REJECT_REASONS, type RejectReason, type Verdict } from './judge.js';

export interface BugTypeCounts { kept: number; rejected: number; byReason: Partial<Record<RejectReason, number>> }

export interface FilterReport {
  input: number;
  kept: number;
  rejected: number;
  /** every reason, 0 included, in check order */
  rejectedByReason: Record<RejectReason, number>;
  byBugType: Record<string, BugTypeCounts>;
  /** per generation unit: rows read */
  inputByUnit: Record<string, number>;
  realFunctionsIndexed: number;
  nearDuplicates: { threshold: number; permutations: number; bands: number; rows: number } | { off: string };
}

const UNKNOWN_BUG_TYPE = '(none)';

export class FilterTally {
  input = 0;
  kept = 0;
  readonly rejectedByReason = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
  readonly byBugType: Record<string, BugTypeCounts> = {};
  readonly inputByUnit: Record<string, number> = {};

  count(verdict: Verdict, unit: string): void {
    this.input++;
    this.inputByUnit[unit] = (this.inputByUnit[unit] ?? 0) + 1;
    const record = 'kept' in verdict ? verdict.kept : verdict.rejected.record;
    const bugType = bugTypeOf(record);
    const perType = (this.byBugType[bugType] ??= { kept: 0, rejected: 0, byReason: {} });
    if ('kept' in verdict) {
      this.kept++;
      perType.kept++;
    } else {
      const { reason } = verdict.rejected;
      this.rejectedByReason[reason]++;
      perType.rejected++;
      perType.byReason[reason] = (perType.byReason[reason] ?? 0) + 1;
    }
  }

  get rejected(): number {
    return this.input - this.kept;
  }

  report(extra: Pick<FilterReport, 'realFunctionsIndexed' | 'nearDuplicates'>): FilterReport {
    const byBugType = Object.fromEntries(Object.entries(this.byBugType).sort(([a], [b]) => a.localeCompare(b)));
    return { input: this.input, kept: this.kept, rejected: this.rejected, rejectedByReason: this.rejectedByReason, byBugType, inputByUnit: this.inputByUnit, ...extra };
  }

  /** e.g. "1,842 kept of 2,000 (158 rejected: 61 near-duplicate, 50 parse-error, …)" */
  headline(): string {
    const n = (x: number) => x.toLocaleString('en-US');
    const reasons = Object.entries(this.rejectedByReason)
      .filter(([, count]) => count > 0)
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .map(([reason, count]) => `${n(count)} ${reason}`);
    const rejected = this.rejected > 0 ? ` (${n(this.rejected)} rejected: ${reasons.join(', ')})` : ' (none rejected)';
    return `${n(this.kept)} kept of ${n(this.input)}${rejected}`;
  }
}

function bugTypeOf(record: unknown): string {
  const value = typeof record === 'object' && record !== null ? (record as { bug_type?: unknown }).bug_type : undefined;
  return typeof value === 'string' && value !== '' ? value : UNKNOWN_BUG_TYPE;
}
