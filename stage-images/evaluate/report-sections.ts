// What the evaluation report says, section by section, independent of its format (report.ts renders
// it as Markdown and as HTML). Warnings first; every figure with its 95% interval where there is one;
// comparisons worded by what their intervals support.
import type { Interval, Statistic } from './bootstrap.js';
import type { ClassificationMetrics } from './metrics.js';
import type { Comparison, EvaluationResults, ModelEvaluation } from './results.js';

export type Block =
  | { kind: 'warning'; text: string }
  | { kind: 'p'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; headers: string[]; rows: string[][]; leftColumns?: number[] }
  | { kind: 'code'; text: string; caption?: string; lang?: string }
  | { kind: 'figure'; id: string; caption: string; plot: 'confusion' | 'roc' | 'pr' | 'metrics' | 'training' };

export interface Section { title?: string; blocks: Block[] }

const f3 = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(3));
const signed = (x: number) => (x >= 0 ? '+' : '−') + Math.abs(x).toFixed(3);
const withInterval = (x: number | null | undefined, i?: Interval) => (x === null || x === undefined ? '–' : i ? `${f3(x)} [${f3(i.low)}, ${f3(i.high)}]` : f3(x));
const STAT_NAMES: Record<Statistic, string> = { accuracy: 'accuracy', f1: 'F1', rocAuc: 'ROC-AUC', pairAccuracy: 'pair-correct' };
const CODE_LINES = 40;

function overall(results: EvaluationResults): Block {
  return {
    kind: 'table',
    headers: ['model', 'accuracy [95% CI]', 'precision', 'recall', 'F1 [95% CI]', 'ROC-AUC [95% CI]', 'threshold', 'TP', 'FP', 'TN', 'FN'],
    rows: results.models.map((m) => [m.name, withInterval(m.overall.accuracy, m.intervals.accuracy), f3(m.overall.precision), f3(m.overall.recall),
      withInterval(m.overall.f1, m.intervals.f1), withInterval(m.overall.rocAuc, m.intervals.rocAuc), m.role === 'baseline' && m.name === 'majority' ? '–' : f3(m.threshold),
      ...[m.overall.confusion.tp, m.overall.confusion.fp, m.overall.confusion.tn, m.overall.confusion.fn].map(String)]),
  };
}

const verdictText = (c: Comparison) => {
  const i = c.interval ? `95% interval [${signed(c.interval.low)}, ${signed(c.interval.high)}]` : 'no interval (undefined on some resamples)';
  return `${signed(c.difference)}, ${i}: ${c.verdict === 'no measurable difference' ? 'no measurable difference' : `${c.model} is ${c.verdict}`}`;
};

function comparisons(results: EvaluationResults, purposes: Comparison['purpose'][]): Block | undefined {
  const rows = (results.comparisons ?? []).filter((c) => purposes.includes(c.purpose));
  if (!rows.length) return undefined;
  return {
    kind: 'table', headers: ['comparison', 'figure', 'difference', '95% interval', 'verdict'], leftColumns: [1, 4],
    rows: rows.map((c) => [`${c.model} − ${c.against}`, STAT_NAMES[c.statistic], signed(c.difference), c.interval ? `[${signed(c.interval.low)}, ${signed(c.interval.high)}]` : '–', c.verdict]),
  };
}

function pairSection(results: EvaluationResults): Section | undefined {
  const withPairs = results.models.filter((m) => m.pairs);
  if (!withPairs.length) return undefined;
  return {
    title: 'Twin pairs (pair-wise evaluation)',
    blocks: [
      { kind: 'p', text: `${results.test.pairs} test functions have their twin in the test split (a buggy function and its clean version: the data set's own pairs by commit, or a synthetic sample and the function it came from). A detector that sees the bug flags the buggy twin and not the clean one ("pair-correct"); one that only sees the style of the code answers both alike ("both buggy" / "both clean"). Chance for "buggy twin scores higher" is 0.5 (ties count half).` },
      {
        kind: 'table', headers: ['model', 'pairs', 'pair-correct [95% CI]', 'both buggy', 'both clean', 'reversed', 'buggy twin scores higher'],
        rows: withPairs.map((m) => [m.name, String(m.pairs!.pairs), withInterval(m.pairs!.pairCorrect, m.intervals.pairAccuracy), f3(m.pairs!.bothBuggy), f3(m.pairs!.bothClean), f3(m.pairs!.reversed), f3(m.pairs!.buggyScoresHigher)]),
      },
    ],
  };
}

function syntheticSection(results: EvaluationResults): Section | undefined {
  const d = results.models.find((m) => m.role === 'detector');
  const r = results.models.find((m) => m.role === 'real-only');
  const cs = (results.comparisons ?? []).filter((c) => c.purpose === 'synthetic');
  if (!d || !r || !cs.length) return undefined;
  const value = (m: ModelEvaluation, s: Statistic) => (s === 'accuracy' ? m.overall.accuracy : s === 'f1' ? m.overall.f1 : s === 'rocAuc' ? m.overall.rocAuc : m.pairs?.pairCorrect);
  return {
    title: 'What the synthetic data bought',
    blocks: [
      { kind: 'p', text: 'The same detector trained with and without the synthetic training rows, scored on the same test rows; each difference is a paired bootstrap interval.' },
      { kind: 'list', items: cs.map((c) => `${STAT_NAMES[c.statistic]}: ${f3(value(d, c.statistic))} with synthetic data, ${f3(value(r, c.statistic))} without — ${verdictText(c)}.`) },
    ],
  };
}

function bySource(results: EvaluationResults): Block {
  const rows: [string, ClassificationMetrics][] = results.models.flatMap((m) => (['real', 'synthetic'] as const).flatMap((s) => (m.bySource[s] ? [[`${m.name} · ${s}`, m.bySource[s]!] as [string, ClassificationMetrics]] : [])));
  return {
    kind: 'table', headers: ['model · source', 'rows', 'accuracy', 'precision', 'recall', 'F1', 'ROC-AUC'],
    rows: rows.map(([n, m]) => [n, String(m.rows), f3(m.accuracy), f3(m.precision), f3(m.recall), f3(m.f1), f3(m.rocAuc)]),
  };
}

function bugTypeSection(results: EvaluationResults): Section | undefined {
  const d = results.models.find((m) => m.role === 'detector');
  if (!d?.byBugType.length) return undefined;
  return {
    title: 'By injected bug type (detector)',
    blocks: [{
      kind: 'table', headers: ['bug type', 'buggy test rows', 'flagged (recall)', 'pairs', 'pair-correct'],
      rows: d.byBugType.map((b) => [b.bugType, String(b.rows), f3(b.recall), String(b.pairs), f3(b.pairCorrect)]),
    }],
  };
}

function trainingSection(results: EvaluationResults): Section | undefined {
  const d = results.models.find((m) => m.role === 'detector');
  const t = results.training?.detector;
  if (!d) return undefined;
  const blocks: Block[] = [];
  if (t) {
    blocks.push({ kind: 'p', text: `Head fitted by ${t.optimizer === 'lbfgs' ? 'full-batch L-BFGS to the optimum' : 'minibatch Adam with early stopping on validation log-loss'} on standardised features; L2 ${t.l2} chosen on validation log-loss; ${t.epochsRun} ${t.optimizer === 'lbfgs' ? 'iterations' : `epochs (best ${t.bestEpoch})`}. Decision threshold ${f3(t.threshold ?? d.threshold)} (${t.thresholdFrom ?? 'from the model'}).` });
    if (t.l2Search && t.l2Search.length > 1) {
      blocks.push({ kind: 'table', headers: ['L2', 'validation log-loss', 'validation ROC-AUC'], rows: t.l2Search.map((c) => [`${c.l2}${c.l2 === t.l2 ? ' (chosen)' : ''}`, f3(c.validationLoss), f3(c.validationAuc)]) });
    }
    blocks.push({ kind: 'figure', id: 'training-curves', caption: 'Training curves of the detector at the chosen L2 (train and validation log-loss, validation ROC-AUC)', plot: 'training' });
  } else {
    blocks.push({ kind: 'p', text: `Pretrained model: decision threshold ${f3(d.threshold)} as saved with it; no training curves.` });
  }
  return { title: 'Training', blocks };
}

function wrongSection(results: EvaluationResults): Section | undefined {
  const wrong = results.confidentlyWrong ?? [];
  if (!wrong.length) return undefined;
  const d = results.models.find((m) => m.role === 'detector')!;
  return {
    title: 'Most confidently wrong test functions (detector)',
    blocks: wrong.map((w) => {
      const lines = w.func.split('\n');
      const code = lines.length > CODE_LINES ? [...lines.slice(0, CODE_LINES), `/* … ${lines.length - CODE_LINES} more lines */`].join('\n') : w.func;
      return { kind: 'code' as const, lang: 'c', text: code, caption: `${w.id} — actually ${w.label ? 'buggy' : 'clean'}${w.bugType ? ` (${w.bugType})` : ''}, ${w.source}; score ${w.score.toFixed(3)} against threshold ${f3(d.threshold)}` };
    }),
  };
}

export function reportSections(results: EvaluationResults): Section[] {
  const sections: Section[] = [];
  const intro: Block[] = (results.warnings ?? []).map((text) => ({ kind: 'warning' as const, text }));
  intro.push({ kind: 'p', text: `Test split: ${results.test.rows} functions, ${results.test.positives} buggy, ${results.test.synthetic} synthetic${results.test.pairs ? `, ${results.test.pairs} twin pairs` : ''}. Positive class = buggy; a row is flagged when its score reaches the model's threshold (chosen on validation). Figures in brackets are 95% bootstrap intervals${results.bootstrap ? ` (${results.bootstrap.resamples} resamples; ${results.bootstrap.clusters})` : ''}.` });
  sections.push({ blocks: intro });
  sections.push({ title: 'Overall', blocks: [overall(results), { kind: 'figure', id: 'metrics-vs-baselines', caption: 'Detector vs baselines', plot: 'metrics' }, { kind: 'figure', id: 'confusion-matrix', caption: 'Confusion matrix of the detector on the test split', plot: 'confusion' }, { kind: 'figure', id: 'roc-curve', caption: 'ROC curves (dashed: chance)', plot: 'roc' }, { kind: 'figure', id: 'pr-curve', caption: 'Precision-recall curves', plot: 'pr' }] });
  const beat = comparisons(results, ['vs-majority', 'vs-tfidf']);
  if (beat) sections.push({ title: 'Does the detector beat the baselines?', blocks: [{ kind: 'p', text: 'Paired bootstrap differences on the same resampled test rows; "no measurable difference" when the 95% interval contains 0.' }, beat] });
  for (const s of [pairSection(results), syntheticSection(results)]) if (s) sections.push(s);
  sections.push({ title: 'By source', blocks: [bySource(results)] });
  for (const s of [bugTypeSection(results), trainingSection(results), wrongSection(results)]) if (s) sections.push(s);
  if (results.data) {
    sections.push({
      title: 'Data',
      blocks: [{ kind: 'table', headers: ['split', 'rows', 'buggy', 'clean', 'synthetic'], rows: (['train', 'validation', 'test'] as const).map((s) => { const c = results.data![s]; return [s, String(c.rows), String(c.positives), String(c.rows - c.positives), String(c.synthetic)]; }) }],
    });
  }
  const notes: string[] = results.models.map((m) => `${m.name} (${m.role}): ${m.description}`);
  if (results.executionProvider) notes.push(`Encoder execution provider: ${results.executionProvider}.`);
  if (results.featureCache) notes.push(`Feature cache: ${results.featureCache.hits} hits, ${results.featureCache.misses} encoded (hit rate ${(results.featureCache.hitRate * 100).toFixed(1)}%).`);
  if (results.setAside) notes.push(`${results.setAside} rows were set aside as malformed (see set_aside.jsonl.gz).`);
  sections.push({ title: 'Models', blocks: [{ kind: 'list', items: notes }, { kind: 'p', text: 'Every test row with every model\'s score and decision is in predictions.jsonl.gz beside this report.' }] });
  if (results.configuration) sections.push({ title: 'Configuration', blocks: [{ kind: 'code', lang: 'json', text: JSON.stringify(results.configuration, null, 2) }] });
  return sections;
}
