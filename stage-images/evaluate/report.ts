// report.md and a self-contained report.html (inline CSS and SVG plots; no scripts, no network),
// both rendered from one list of sections (report-sections.ts), so they always say the same thing.
import type { CurveSeries } from './charts.js';
import { reportSections, type Block, type Section } from './report-sections.js';
import type { EvaluationResults, ModelEvaluation } from './results.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function blockMarkdown(b: Block): string[] {
  switch (b.kind) {
    case 'warning': return [`> **⚠ Warning:** ${b.text}`, ''];
    case 'p': return [b.text, ''];
    case 'list': return [...b.items.map((i) => `- ${i}`), ''];
    case 'table': return [`| ${b.headers.map(mdCell).join(' | ')} |`, `|${b.headers.map((_, i) => (i === 0 || b.leftColumns?.includes(i) ? '---' : '---:')).join('|')}|`, ...b.rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`), ''];
    case 'code': return [...(b.caption ? [b.caption, ''] : []), '```' + (b.lang ?? ''), b.text.replace(/\n$/, ''), '```', ''];
    case 'figure': return [];
  }
}

export function reportMarkdown(results: EvaluationResults, title: string): string {
  const sections = reportSections(results);
  return [`# ${title}`, '', ...sections.flatMap((s: Section) => [...(s.title ? [`## ${s.title}`, ''] : []), ...s.blocks.flatMap(blockMarkdown)])].join('\n');
}

export interface ReportPlots { confusion: string; roc: string; pr: string; metrics: string; training?: string }

function trainingSeries(results: EvaluationResults): { values: CurveSeries[]; stepName: string } | undefined {
  const t = results.training?.detector;
  if (!t?.validationLossPerEpoch?.length) return undefined;
  const values: CurveSeries[] = [];
  t.trainLossPerEpoch?.forEach((v, i) => values.push({ series: 'train log-loss', step: i + 1, value: v }));
  t.validationLossPerEpoch.forEach((v, i) => values.push({ series: 'validation log-loss', step: i + 1, value: v }));
  t.validationAucPerEpoch?.forEach((v, i) => { if (v !== null) values.push({ series: 'validation ROC-AUC', step: i + 1, value: v }); });
  return { values, stepName: t.optimizer === 'lbfgs' ? 'L-BFGS iteration' : 'epoch' };
}

export async function reportPlots(results: EvaluationResults): Promise<ReportPlots> {
  const detector = results.models.find((m) => m.role === 'detector')!;
  const scored = results.models.filter((m) => m.overall.rocAuc !== null);
  const curves = (key: 'roc' | 'pr') => scored.map((m: ModelEvaluation) => ({ model: m.name, points: m[key] }));
  const training = trainingSeries(results);
  // vega loads when there is something to draw, not with the stage (an up-to-date stage draws nothing).
  const { confusionMatrixSpec, metricsBarSpec, prSpec, renderSvg, rocSpec, trainingCurveSpec } = await import('./charts.js');
  return {
    confusion: await renderSvg(confusionMatrixSpec(`Confusion matrix (${detector.name})`, detector.overall.confusion)),
    roc: await renderSvg(rocSpec(curves('roc'))),
    pr: await renderSvg(prSpec(curves('pr'))),
    metrics: await renderSvg(metricsBarSpec(results.models.map((m) => ({ model: m.name, ...m.overall })))),
    ...(training ? { training: await renderSvg(trainingCurveSpec('Training curves (detector, chosen L2)', training.stepName, training.values)) } : {}),
  };
}

function blockHtml(b: Block, plots: ReportPlots): string {
  switch (b.kind) {
    case 'warning': return `<p class="warning"><b>⚠ Warning:</b> ${esc(b.text)}</p>`;
    case 'p': return `<p>${esc(b.text)}</p>`;
    case 'list': return `<ul>${b.items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;
    case 'table': return `<table><thead><tr>${b.headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${b.rows.map((r) => `<tr>${r.map((c, i) => `<td${i === 0 || b.leftColumns?.includes(i) ? ' class="l"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
    case 'code': return `${b.caption ? `<p class="note">${esc(b.caption)}</p>` : ''}<pre><code>${esc(b.text)}</code></pre>`;
    case 'figure': {
      const svg = plots[b.plot];
      return svg ? `<figure id="${b.id}">${svg}<figcaption>${esc(b.caption)}</figcaption></figure>` : '';
    }
  }
}

export async function reportHtml(results: EvaluationResults, title: string): Promise<string> {
  const plots = await reportPlots(results);
  const body = reportSections(results).map((s) => {
    const figures = s.blocks.filter((b) => b.kind === 'figure');
    const rest = s.blocks.filter((b) => b.kind !== 'figure').map((b) => blockHtml(b, plots)).join('\n');
    return `${s.title ? `<h2>${esc(s.title)}</h2>` : ''}\n${rest}${figures.length ? `\n<div class="plots">${figures.map((b) => blockHtml(b, plots)).join('\n')}</div>` : ''}`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:right}
td.l,th:first-child{text-align:left}thead{background:#f4f6f8}
.plots{display:flex;flex-wrap:wrap;gap:1.5rem}figure{margin:0}figcaption{color:#666;font-size:.85rem}
.note{color:#555}.warning{background:#fff4e5;border-left:4px solid #e67700;padding:.6rem .8rem}
pre{background:#f6f8fa;padding:.6rem;overflow:auto;font-size:.8rem;max-height:24rem}
</style></head><body>
<h1>${esc(title)}</h1>
${body}
<p class="note">Generated ${esc(results.generatedAt)}.</p>
</body></html>
`;
}
