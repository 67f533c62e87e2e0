// Runs compared: their specs' differences (dotted paths) and their metrics side by side, with the
// detector's ROC and precision-recall curves from evaluate's metrics.json.
import { stageDir } from '../../core/stage/layout.js';
import { readJson } from '../../core/store/store.js';
import type { CompareEntry, CompareView, CurvePoint, RunDetail } from './model.js';
import type { RunStore } from './source.js';

export const COMPARED_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'pairAccuracy', 'baselineAccuracy', 'baselineF1', 'realOnlyF1'] as const;

interface MetricsFile {
  headline?: Record<string, unknown>;
  pairs?: { accuracy?: number };
  models?: { role?: string; name?: string; roc?: CurvePoint[]; pr?: CurvePoint[]; pairAccuracy?: number; pairs?: { accuracy?: number } }[];
}

/** Every leaf of a JSON object as `a.b.c` → value text. */
export function flatten(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, path ? `${path}.${k}` : k, out);
  } else if (path) {
    out.set(path, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return out;
}

const points = (list: CurvePoint[] | undefined): CurvePoint[] | undefined =>
  list?.filter((p) => Number.isFinite(p?.x) && Number.isFinite(p?.y)).map((p) => ({ x: p.x, y: p.y }));

export async function compareEntry(detail: RunDetail, runStore: RunStore): Promise<CompareEntry> {
  const metrics: Record<string, number | undefined> = {};
  for (const key of COMPARED_METRICS) {
    const v = detail.results?.[key];
    if (typeof v === 'number') metrics[key] = v;
  }
  const entry: CompareEntry = { summary: detail.summary, spec: detail.spec, metrics, curves: {} };
  if ('error' in runStore) return { ...entry, error: runStore.error };
  if (detail.stages.find((s) => s.stage === 'evaluate')?.node.state !== 'Succeeded') return entry;
  try {
    const file = await readJson<MetricsFile>(runStore.store, `${runStore.prefix}/${stageDir('evaluate')}/metrics.json`);
    for (const key of COMPARED_METRICS) {
      const v = file.headline?.[key];
      if (typeof v === 'number') metrics[key] = v;
    }
    const detector = file.models?.find((m) => m.role === 'detector') ?? file.models?.[0];
    const pair = detector?.pairAccuracy ?? detector?.pairs?.accuracy ?? file.pairs?.accuracy;
    if (metrics.pairAccuracy === undefined && typeof pair === 'number') metrics.pairAccuracy = pair;
    entry.curves = { roc: points(detector?.roc), pr: points(detector?.pr) };
  } catch (error) {
    entry.error = `metrics.json: ${(error as Error).message}`;
  }
  return entry;
}

export function compareView(entries: CompareEntry[]): CompareView {
  const flat = entries.map((e) => flatten(e.spec));
  const paths = [...new Set(flat.flatMap((f) => [...f.keys()]))].sort();
  const differences = paths
    .map((path) => ({ path, values: flat.map((f) => f.get(path)) }))
    .filter((d) => new Set(d.values.map((v) => v ?? '(unset)')).size > 1);
  return { runs: entries, differences };
}
