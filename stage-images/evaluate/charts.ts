// The report's plots as vega-lite specs, rendered to inline SVG in Node (vega View with the
// 'none' renderer needs no canvas and no browser). Pure spec builders + one render function.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Confusion, CurvePoint } from './metrics.js';

export interface NamedCurve { model: string; points: CurvePoint[] }
export interface ModelScores { model: string; accuracy: number; precision: number; recall: number; f1: number; rocAuc: number | null }

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const SIZE = { width: 320, height: 280 };

export function confusionMatrixSpec(title: string, c: Confusion): TopLevelSpec {
  const cells = [
    { actual: 'buggy (1)', predicted: 'buggy (1)', count: c.tp },
    { actual: 'buggy (1)', predicted: 'clean (0)', count: c.fn },
    { actual: 'clean (0)', predicted: 'buggy (1)', count: c.fp },
    { actual: 'clean (0)', predicted: 'clean (0)', count: c.tn },
  ];
  const order = ['buggy (1)', 'clean (0)'];
  const half = Math.max(c.tp, c.fp, c.tn, c.fn) / 2;
  return {
    $schema: SCHEMA, title, ...SIZE, data: { values: cells },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: order, title: 'predicted', axis: { labelAngle: 0 } },
      y: { field: 'actual', type: 'nominal', sort: order, title: 'actual' },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues' }, legend: null } } },
      {
        mark: { type: 'text', fontSize: 18 },
        encoding: { text: { field: 'count', type: 'quantitative' }, color: { condition: { test: `datum.count > ${half}`, value: 'white' }, value: 'black' } },
      },
    ],
  };
}

function curveSpec(title: string, curves: NamedCurve[], x: string, y: string, diagonal: boolean): TopLevelSpec {
  const values = curves.flatMap((c) => c.points.map((p) => ({ model: c.model, x: p.x, y: p.y })));
  const line = {
    mark: { type: 'line' as const },
    data: { values },
    encoding: {
      x: { field: 'x', type: 'quantitative' as const, title: x, scale: { domain: [0, 1] } },
      y: { field: 'y', type: 'quantitative' as const, title: y, scale: { domain: [0, 1] } },
      color: { field: 'model', type: 'nominal' as const, title: 'model', legend: { labelLimit: 240 } },
    },
  };
  const chance = {
    mark: { type: 'line' as const, strokeDash: [4, 4], color: '#999' },
    data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
    encoding: { x: { field: 'x', type: 'quantitative' as const }, y: { field: 'y', type: 'quantitative' as const } },
  };
  const chanceLabel = {
    mark: { type: 'text' as const, color: '#777', angle: -41, dy: -8, fontSize: 11 },
    data: { values: [{ x: 0.62, y: 0.62, text: 'chance' }] },
    encoding: { x: { field: 'x', type: 'quantitative' as const }, y: { field: 'y', type: 'quantitative' as const }, text: { field: 'text', type: 'nominal' as const } },
  };
  return { $schema: SCHEMA, title, ...SIZE, layer: diagonal ? [line, chance, chanceLabel] : [line] } as TopLevelSpec;
}

export interface CurveSeries { series: string; step: number; value: number }

/** Loss (and ROC-AUC) per epoch or L-BFGS iteration: what training did, step by step. */
export function trainingCurveSpec(title: string, stepName: string, values: CurveSeries[]): TopLevelSpec {
  return {
    $schema: SCHEMA, title, ...SIZE, data: { values },
    mark: { type: 'line', point: values.length < 60 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: stepName },
      y: { field: 'value', type: 'quantitative', title: 'log-loss / ROC-AUC', scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 240 } },
    },
  } as TopLevelSpec;
}

export const rocSpec = (curves: NamedCurve[]) => curveSpec('ROC curve', curves, 'false positive rate', 'true positive rate', true);
export const prSpec = (curves: NamedCurve[]) => curveSpec('Precision-recall curve', curves, 'recall', 'precision', false);

export function metricsBarSpec(models: ModelScores[]): TopLevelSpec {
  const values = models.flatMap((m) => (['accuracy', 'precision', 'recall', 'f1', 'rocAuc'] as const)
    .filter((k) => m[k] !== null)
    .map((k) => ({ model: m.model, metric: k === 'rocAuc' ? 'ROC-AUC' : k === 'f1' ? 'F1' : k, value: m[k] })));
  return {
    $schema: SCHEMA, title: 'Detector vs baselines', data: { values },
    width: { step: 14 }, height: 240,
    mark: 'bar',
    encoding: {
      column: { field: 'metric', type: 'nominal', title: null, sort: ['accuracy', 'precision', 'recall', 'F1', 'ROC-AUC'] },
      x: { field: 'model', type: 'nominal', axis: null },
      y: { field: 'value', type: 'quantitative', scale: { domain: [0, 1] }, title: null },
      color: { field: 'model', type: 'nominal', title: 'model', legend: { labelLimit: 240 } },
      tooltip: [{ field: 'model' }, { field: 'value', format: '.3f' }],
    },
  } as TopLevelSpec;
}

/** Renders a vega-lite spec to a standalone SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
