// Runs compared: metrics side by side (best in bold), the specs' differences, and the
// detector's ROC and precision-recall curves overlaid.
import { useEffect, useState } from 'preact/hooks';
import type { CompareView, CurvePoint } from '../model.js';
import { api, runPath } from './api.js';
import { metric } from './format.js';
import { Link } from './router.js';
import { StateBadge } from './state.js';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];
const METRICS: [string, string][] = [
  ['accuracy', 'Accuracy'], ['precision', 'Precision'], ['recall', 'Recall'], ['f1', 'F1'], ['rocAuc', 'ROC-AUC'],
  ['pairAccuracy', 'Pair accuracy'], ['baselineAccuracy', 'Baseline accuracy'], ['baselineF1', 'Baseline F1'], ['realOnlyF1', 'F1 without synthetic data'],
];

function Curves(props: { title: string; x: string; y: string; series: { label: string; points?: CurvePoint[] }[]; diagonal?: boolean }) {
  const size = 260;
  const pad = 34;
  const sx = (x: number) => pad + x * (size - pad - 8);
  const sy = (y: number) => size - pad - y * (size - pad - 8);
  const drawn = props.series.filter((s) => s.points?.length);
  return (
    <figure class="curves" data-curves={props.title}>
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${size} ${size}`} width={size} height={size} role="img" aria-label={props.title}>
        <rect x={pad} y={8} width={size - pad - 8} height={size - pad - 8} class="plot" />
        {[0, 0.25, 0.5, 0.75, 1].map((t) => (
          <g key={t}>
            <line x1={sx(t)} x2={sx(t)} y1={sy(0)} y2={sy(1)} class="grid" />
            <line x1={sx(0)} x2={sx(1)} y1={sy(t)} y2={sy(t)} class="grid" />
            <text x={sx(t)} y={size - pad + 14} class="tick" text-anchor="middle">{t}</text>
            <text x={pad - 4} y={sy(t) + 3} class="tick" text-anchor="end">{t}</text>
          </g>
        ))}
        {props.diagonal && <line x1={sx(0)} y1={sy(0)} x2={sx(1)} y2={sy(1)} class="diagonal" />}
        {props.series.map((s, i) => s.points?.length ? (
          <polyline key={s.label} points={s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ')} fill="none" stroke={COLORS[i % COLORS.length]} stroke-width="2" data-series={s.label} />
        ) : null)}
        <text x={sx(0.5)} y={size - 4} class="axis" text-anchor="middle">{props.x}</text>
        <text x={10} y={sy(0.5)} class="axis" text-anchor="middle" transform={`rotate(-90 10 ${sy(0.5)})`}>{props.y}</text>
      </svg>
      {!drawn.length && <p class="empty">No curves (evaluate has not finished in these runs).</p>}
    </figure>
  );
}

export function ComparePage(props: { keys: string[] }) {
  const [view, setView] = useState<CompareView>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    setView(undefined);
    if (props.keys.length < 2) { setError('Choose two or more runs on the runs list to compare them.'); return; }
    api.compare(props.keys).then(setView, (e: Error) => setError(e.message));
  }, [props.keys.join('&')]);
  if (error) return <p class="error">{error} <Link href="/">back to the runs</Link></p>;
  if (!view) return <p class="loading">Comparing…</p>;
  const label = (i: number) => `${view.runs[i].summary.namespace}/${view.runs[i].summary.name}`;
  const best = (key: string) => Math.max(...view.runs.map((r) => r.metrics[key] ?? -Infinity));
  const shown = METRICS.filter(([k]) => view.runs.some((r) => r.metrics[k] !== undefined));
  return (
    <section class="compare">
      <h1>Comparing {view.runs.length} runs</h1>
      <table class="metrics">
        <thead>
          <tr><th>Metric</th>{view.runs.map((r, i) => (
            <th key={i}><span class="swatch" style={`background:${COLORS[i % COLORS.length]}`} />
              <Link href={`/runs/${runPath(r.summary)}`}>{label(i)}</Link> <StateBadge state={r.summary.phase} /></th>
          ))}</tr>
        </thead>
        <tbody>
          {shown.map(([key, name]) => (
            <tr key={key} data-metric={key}><td>{name}</td>{view.runs.map((r, i) => {
              const v = r.metrics[key];
              return <td key={i} class={`num${v !== undefined && v === best(key) && view.runs.length > 1 ? ' best' : ''}`}>{metric(v)}</td>;
            })}</tr>
          ))}
          {!shown.length && <tr><td colSpan={view.runs.length + 1} class="empty">No metrics yet: none of these runs has finished evaluate.</td></tr>}
        </tbody>
      </table>
      {view.runs.some((r) => r.error) && <ul class="errors">{view.runs.map((r, i) => r.error && <li key={i} class="error">{label(i)}: {r.error}</li>)}</ul>}
      <div class="curve-row">
        <Curves title="ROC curve (detector)" x="false positive rate" y="true positive rate" diagonal series={view.runs.map((r, i) => ({ label: label(i), points: r.curves.roc }))} />
        <Curves title="Precision-recall (detector)" x="recall" y="precision" series={view.runs.map((r, i) => ({ label: label(i), points: r.curves.pr }))} />
      </div>
      <h2>Spec differences</h2>
      {view.differences.length ? (
        <table class="differences">
          <thead><tr><th>Field</th>{view.runs.map((_, i) => <th key={i}>{label(i)}</th>)}</tr></thead>
          <tbody>{view.differences.map((d) => <tr key={d.path} data-path={d.path}><td><code>spec.{d.path}</code></td>{d.values.map((v, i) => <td key={i}><code>{v ?? '(unset)'}</code></td>)}</tr>)}</tbody>
        </table>
      ) : <p class="empty">The specs are the same.</p>}
    </section>
  );
}
