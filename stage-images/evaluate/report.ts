// report.md and a self-contained report.html (inline CSS and SVG plots; no scripts, no network).
import { confusionMatrixSpec, metricsBarSpec, prSpec, renderSvg, rocSpec } from './charts.js';
import type { ClassificationMetrics } from './metrics.js';
import type { EvaluationResults, ModelEvaluation } from './results.js';

const f3 = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(3));
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const HEADERS = ['model', 'rows', 'accuracy', 'precision', 'recall', 'F1', 'ROC-AUC', 'TP', 'FP', 'TN', 'FN'];
const cells = (name: string, m: ClassificationMetrics) =>
  [name, String(m.rows), f3(m.accuracy), f3(m.precision), f3(m.recall), f3(m.f1), f3(m.rocAuc), ...[m.confusion.tp, m.confusion.fp, m.confusion.tn, m.confusion.fn].map(String)];

function sourceRows(results: EvaluationResults): [string, ClassificationMetrics][] {
  return results.models.flatMap((m) => (['real', 'synthetic'] as const).flatMap((s) => (m.bySource[s] ? [[`${m.name} · ${s}`, m.bySource[s]!] as [string, ClassificationMetrics]] : [])));
}

function syntheticEffect(results: EvaluationResults): string | undefined {
  const d = results.models.find((m) => m.role === 'detector');
  const r = results.models.find((m) => m.role === 'real-only');
  if (!d || !r) return undefined;
  const delta = d.overall.f1 - r.overall.f1;
  return `With synthetic training data the detector's test F1 is ${f3(d.overall.f1)}; trained on the real rows only it is ${f3(r.overall.f1)} (${delta >= 0 ? '+' : ''}${delta.toFixed(3)} from the synthetic data).`;
}

export function reportMarkdown(results: EvaluationResults, title: string): string {
  const table = (rows: [string, ClassificationMetrics][]) => [
    `| ${HEADERS.join(' | ')} |`, `|${HEADERS.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map(([n, m]) => `| ${cells(n, m).join(' | ')} |`),
  ];
  const effect = syntheticEffect(results);
  return [
    `# ${title}`,
    '',
    `Test split: ${results.test.rows} functions, ${results.test.positives} buggy, ${results.test.synthetic} synthetic. Positive class = buggy; threshold 0.5.`,
    '',
    '## Overall',
    ...table(results.models.map((m) => [m.name, m.overall])),
    '',
    '## By source',
    ...table(sourceRows(results)),
    '',
    ...(effect ? ['## What the synthetic data bought', effect, ''] : []),
    '## Models',
    ...results.models.map((m) => `- **${m.name}** (${m.role}): ${m.description}`),
    '',
    ...(results.executionProvider ? [`Encoder execution provider: ${results.executionProvider}.`] : []),
    ...(results.featureCache ? [`Feature cache: ${results.featureCache.hits} hits, ${results.featureCache.misses} encoded (hit rate ${(results.featureCache.hitRate * 100).toFixed(1)}%).`] : []),
    ...(results.setAside ? [`${results.setAside} test rows were set aside as malformed (see set_aside.jsonl.gz).`] : []),
    '',
  ].join('\n');
}

export interface ReportPlots { confusion: string; roc: string; pr: string; metrics: string }

export async function reportPlots(results: EvaluationResults): Promise<ReportPlots> {
  const detector = results.models.find((m) => m.role === 'detector')!;
  const scored = results.models.filter((m) => m.overall.rocAuc !== null);
  const curves = (key: 'roc' | 'pr') => scored.map((m: ModelEvaluation) => ({ model: m.name, points: m[key] }));
  return {
    confusion: await renderSvg(confusionMatrixSpec(`Confusion matrix (${detector.name})`, detector.overall.confusion)),
    roc: await renderSvg(rocSpec(curves('roc'))),
    pr: await renderSvg(prSpec(curves('pr'))),
    metrics: await renderSvg(metricsBarSpec(results.models.map((m) => ({ model: m.name, ...m.overall })))),
  };
}

export async function reportHtml(results: EvaluationResults, title: string): Promise<string> {
  const plots = await reportPlots(results);
  const table = (rows: [string, ClassificationMetrics][]) =>
    `<table><thead><tr>${HEADERS.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map(([n, m]) => `<tr>${cells(n, m).map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const effect = syntheticEffect(results);
  const figure = (id: string, caption: string, svg: string) => `<figure id="${id}">${svg}<figcaption>${esc(caption)}</figcaption></figure>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}thead{background:#f4f6f8}
.plots{display:flex;flex-wrap:wrap;gap:1.5rem}figure{margin:0}figcaption{color:#666;font-size:.85rem}
.note{color:#555}
</style></head><body>
<h1>${esc(title)}</h1>
<p class="note">Test split: ${results.test.rows} functions, ${results.test.positives} buggy, ${results.test.synthetic} synthetic. Positive class = buggy; threshold 0.5. Generated ${esc(results.generatedAt)}.</p>
<h2>Overall</h2>${table(results.models.map((m) => [m.name, m.overall]))}
<h2>By source</h2>${table(sourceRows(results))}
${effect ? `<h2>What the synthetic data bought</h2><p>${esc(effect)}</p>` : ''}
<h2>Plots</h2><div class="plots">
${figure('confusion-matrix', 'Confusion matrix of the detector on the test split', plots.confusion)}
${figure('roc-curve', 'ROC curves (dashed: chance)', plots.roc)}
${figure('pr-curve', 'Precision-recall curves', plots.pr)}
${figure('metrics-vs-baselines', 'Detector vs baselines', plots.metrics)}
</div>
<h2>Models</h2><ul>${results.models.map((m) => `<li><b>${esc(m.name)}</b> (${m.role}): ${esc(m.description)}</li>`).join('')}</ul>
${results.executionProvider ? `<p class="note">Encoder execution provider: ${esc(results.executionProvider)}.</p>` : ''}
${results.featureCache ? `<p class="note">Feature cache: ${results.featureCache.hits} hits, ${results.featureCache.misses} encoded (hit rate ${(results.featureCache.hitRate * 100).toFixed(1)}%).</p>` : ''}
</body></html>
`;
}
