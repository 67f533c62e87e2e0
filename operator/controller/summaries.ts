// What the operator copies from stage summaries into the run's status: one summary for a
// stage cut into batches, and the evaluate stage's headline metrics as `results`.
import type { Results } from '../../api/v1alpha1/status.js';

/** Keeps a summary well under the status budget (the stage already caps it at 4 KiB). */
const MAX_SUMMARY_BYTES = 2048;

/** One summary for a stage run as several Jobs: counts summed, batch count, each batch's status. */
export function batchedSummary(stage: string, summaries: (Record<string, unknown> | undefined)[]): Record<string, unknown> {
  const counts: Record<string, number> = {};
  let reported = 0;
  for (const summary of summaries) {
    if (!summary) continue;
    reported++;
    const c = summary.counts;
    if (c && typeof c === 'object') {
      for (const [k, v] of Object.entries(c as Record<string, unknown>)) if (typeof v === 'number') counts[k] = (counts[k] ?? 0) + v;
    }
  }
  const countText = Object.entries(counts).slice(0, 6).map(([k, v]) => `${v} ${k}`).join(', ');
  return {
    stage,
    status: 'ok',
    batches: summaries.length,
    headline: `${summaries.length} batches${countText ? `: ${countText}` : ''}`,
    counts,
    ...(reported < summaries.length ? { batchesWithoutSummary: summaries.length - reported } : {}),
  };
}

/** Drops the bulkiest fields until the summary fits the status budget. */
export function boundedSummary(summary: Record<string, unknown>): Record<string, unknown> {
  const value = { ...summary };
  while (Buffer.byteLength(JSON.stringify(value)) > MAX_SUMMARY_BYTES) {
    const bulkiest = Object.keys(value)
      .filter((k) => !['stage', 'unit', 'status', 'headline'].includes(k))
      .sort((a, b) => JSON.stringify(value[b]).length - JSON.stringify(value[a]).length)[0];
    if (!bulkiest) return { stage: value.stage, status: value.status, headline: String(value.headline ?? '').slice(0, 1000), truncated: true };
    delete value[bulkiest];
    value.truncated = true;
  }
  return value;
}

const METRICS = ['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'baselineAccuracy', 'baselineF1'] as const;

/** The run's results from the evaluate stage's summary (top level, or under `metrics`). */
export function resultsFrom(summary: Record<string, unknown> | undefined, reportFallback: string): Results | undefined {
  if (!summary) return undefined;
  const nested = (summary.metrics && typeof summary.metrics === 'object' ? summary.metrics : {}) as Record<string, unknown>;
  const results: Results = {};
  for (const key of METRICS) {
    const v = summary[key] ?? nested[key];
    if (typeof v === 'number' && Number.isFinite(v)) results[key] = v;
  }
  results.report = typeof summary.report === 'string' ? summary.report : reportFallback;
  return results;
}
