// Stage 6, evaluate: the detector (trained, or training.model in pretrained mode), the real-only
// detector when there is one, and the baselines, scored on the merged test split; metrics overall,
// per source, per bug type and on twin pairs, with bootstrap intervals and paired differences;
// predictions.jsonl.gz (every row, every model), metrics.json, report.md and a self-contained
// report.html. The outcome summary carries the headline metrics to the PipelineRun status.
import type { StageContext, StageDefinition, StageOutcome } from '../../core/stage/definition.js';
import { unitDir } from '../../core/stage/layout.js';
import { hitRate } from '../features/featurize.js';
import { MERGE_SPLIT_FILES, SplitRows } from '../features/rows.js';
import { decodeModel, loadModelFromUri, type DetectorModel } from '../train/model-dir.js';
import type { RecordSource } from '../features/featurize.js';
import type { ScoredModel } from './bootstrap.js';
import { majorityBaseline, ModelScorer, tfidfLogregBaseline } from './detectors.js';
import { decide, evaluateScores, headlineOf, type EvaluationResults, type ModelEvaluation, type ModelRole, type SplitCounts, type TrainingCurves, type WrongRow } from './results.js';
import { reportHtml, reportMarkdown } from './report.js';
import { predictionRows, readTestRows, type TestRows } from './test-rows.js';
import { addUncertainty } from './uncertainty.js';

export const EVALUATE_VERSION = '2';

async function readBytes(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c as Buffer));
  return Buffer.concat(parts);
}

async function trainedModel(ctx: StageContext, dir: string): Promise<DetectorModel> {
  const where = ctx.store.uriOf(ctx.inputs.key('train', dir));
  const config = await readBytes(await ctx.inputs.stream('train', `${dir}/config.json`));
  return decodeModel(config.toString('utf8'), await readBytes(await ctx.inputs.stream('train', `${dir}/head.bin`)), where);
}

const describeModel = (m: DetectorModel) => {
  const f = m.config.features;
  const features = f.kind === 'tfidf' ? `TF-IDF (${f.vocabulary.terms.length} terms)` : `${f.encoder.source} (${f.pooling} pooling, ${f.maxLength} tokens)`;
  const head = m.config.head.kind === 'mlp' ? `MLP (${m.config.head.hiddenSize} hidden)` : 'logistic regression';
  return `${head} on ${features}, trained on ${m.config.trainedOn.rows} rows (${m.config.trainedOn.synthetic} synthetic)`;
};

async function readJson(ctx: StageContext, stage: 'train', path: string): Promise<unknown> {
  return JSON.parse((await readBytes(await ctx.inputs.stream(stage, path))).toString('utf8'));
}

async function countRows(rows: RecordSource): Promise<SplitCounts> {
  const c = { rows: 0, positives: 0, synthetic: 0 };
  for await (const r of rows()) {
    c.rows++;
    c.positives += r.label;
    c.synthetic += r.source === 'synthetic' ? 1 : 0;
  }
  return c;
}

/** The detector's wrong answers it was surest of (furthest from its threshold). */
function confidentlyWrong(t: TestRows, scores: ArrayLike<number>, threshold: number, count = 5): WrongRow[] {
  return t.rows.map((r, i) => ({ r, score: scores[i], margin: Math.abs(scores[i] - threshold), wrong: (scores[i] >= threshold ? 1 : 0) !== r.label }))
    .filter((x) => x.wrong).sort((a, b) => b.margin - a.margin).slice(0, count)
    .map(({ r, score }) => ({ id: r.id, label: r.label, score, source: r.source, ...(r.bugType ? { bugType: r.bugType } : {}), func: r.func }));
}

async function run(ctx: StageContext): Promise<StageOutcome> {
  const { spec } = ctx;
  const splits = {
    train: new SplitRows('final_train', () => ctx.inputs.records('merge', MERGE_SPLIT_FILES.train)),
    validation: new SplitRows('final_val', () => ctx.inputs.records('merge', MERGE_SPLIT_FILES.validation)),
    test: new SplitRows('final_test', () => ctx.inputs.records('merge', MERGE_SPLIT_FILES.test)),
  };
  const open = (s: SplitRows) => () => s.open();
  const testRows = await readTestRows(open(splits.test));
  if (testRows.rows.length === 0) throw new Error('the test split (final_test.jsonl.gz) has no usable rows: nothing to evaluate; check the merge stage\'s split settings');
  const context = { pairs: testRows.pairs, bugTypes: testRows.rows.map((r) => r.bugType) };
  const scorer = new ModelScorer(open(splits.test), { spec, store: ctx.store, env: ctx.env, log: ctx.log, progress: ctx.progress });
  const models: ModelEvaluation[] = [];
  const scored: ScoredModel[] = [];
  let test: { labels: Uint8Array; synthetic: Uint8Array } | undefined;
  const add = (model: { name: string; role: ModelRole; description: string; threshold?: number }, scores: Float32Array) => {
    const evaluation = evaluateScores(model, test!.labels, test!.synthetic, scores, context);
    models.push(evaluation);
    scored.push({ name: model.name, scores, decisions: decide(scores, evaluation.threshold) });
  };
  const pretrained = spec.training.mode === 'pretrained';
  try {
    ctx.progress.phase('load detector');
    const detector = pretrained ? await loadModelFromUri(spec.training.model!, ctx.env) : await trainedModel(ctx, 'model');
    const s = await scorer.score(detector);
    test = s.test;
    add({ name: 'detector', role: 'detector', description: (pretrained ? `pretrained ${spec.training.model}: ` : '') + describeModel(detector), threshold: detector.config.threshold }, s.scores);

    if (!pretrained && (await ctx.inputs.manifest('train')).files.some((f) => f.path === 'model-real-only/config.json')) {
      const realOnly = await trainedModel(ctx, 'model-real-only');
      add({ name: 'detector (real data only)', role: 'real-only', description: describeModel(realOnly), threshold: realOnly.config.threshold }, (await scorer.score(realOnly)).scores);
    }

    for (const baseline of spec.evaluation.baselines) {
      if (baseline === 'majority') {
        const m = await majorityBaseline(open(splits.train));
        const count = m.majority ? m.positives : m.rows - m.positives;
        add({ name: 'majority', role: 'baseline', description: `always answers the majority class of the real train rows: ${m.majority ? 'buggy' : 'clean'} (${count} of ${m.rows}${m.majority === 0 && count * 2 === m.rows ? ', a tie, answered clean' : ''}; synthetic rows not counted)` }, new Float32Array(test.labels.length).fill(m.majority));
      } else {
        const model = await tfidfLogregBaseline(open(splits.train), open(splits.validation), spec.training.seed, ctx.progress);
        add({ name: 'tfidf-logreg', role: 'baseline', description: `the standard baseline: TF-IDF over code tokens (${model.config.features.kind === 'tfidf' ? model.config.features.vocabulary.terms.length : 0} terms) + logistic regression (standardised, L2 ${model.config.fitted?.l2 ?? '–'} chosen on validation, L-BFGS), trained on the ${model.config.trainedOn.rows} real train rows only`, threshold: model.config.threshold }, (await scorer.score(model)).scores);
      }
    }
  } finally {
    await scorer.close();
  }

  ctx.progress.phase('bootstrap intervals');
  const encoder = scorer.encoderInfo();
  const setAside = [...splits.train.setAside, ...splits.validation.setAside, ...splits.test.setAside];
  const trainingJson = pretrained ? undefined : (await readJson(ctx, 'train', 'training.json')) as { detector?: TrainingCurves; realOnly?: TrainingCurves };
  const detectorModel = models[0];
  const results: EvaluationResults = {
    test: { rows: test.labels.length, positives: test.labels.reduce((n, v) => n + v, 0), synthetic: test.synthetic.reduce((n, v) => n + v, 0), pairs: testRows.pairs.length },
    models,
    ...(encoder ? { executionProvider: encoder.executionProvider, featureCache: { ...encoder.stats, hitRate: hitRate(encoder.stats) } } : {}),
    setAside: setAside.length,
    generatedAt: ctx.now().toISOString(),
    data: { train: await countRows(open(splits.train)), validation: await countRows(open(splits.validation)), test: await countRows(open(splits.test)) },
    ...(trainingJson ? { training: { detector: trainingJson.detector, 'detector (real data only)': trainingJson.realOnly } } : {}),
    configuration: { dataset: spec.dataset, generation: { ...spec.generation, openai: undefined }, filtering: spec.filtering, split: spec.split, training: { ...spec.training, nodeSelector: undefined, tolerations: undefined }, evaluation: spec.evaluation },
    confidentlyWrong: confidentlyWrong(testRows, scored[0].scores, detectorModel.threshold),
  };
  addUncertainty(results, test.labels, testRows.pairs, scored);
  const title = `bugforge evaluation — ${ctx.run.namespace}/${ctx.run.name}`;
  ctx.progress.phase('report');
  const headline = headlineOf(results);
  await ctx.outputs.records('predictions.jsonl.gz', predictionRows(testRows, scored));
  await ctx.outputs.json('metrics.json', { headline, ...results });
  await ctx.outputs.text('report.md', reportMarkdown(results, title));
  await ctx.outputs.text('report.html', await reportHtml(results, title));
  await ctx.outputs.records('set_aside.jsonl.gz', setAside);
  const report = ctx.store.uriOf(`${unitDir(ctx.run, 'evaluate')}/report.html`);
  const interval = (i?: [number, number]) => (i ? ` [${i[0].toFixed(3)}, ${i[1].toFixed(3)}]` : '');
  const majority = models.find((m) => m.name === 'majority');
  const vsMajority = results.comparisons?.find((c) => c.purpose === 'vs-majority' && c.statistic === 'accuracy');
  const signed = (x: number) => (x >= 0 ? '+' : '−') + Math.abs(x).toFixed(3);
  return {
    headline: (results.warnings?.length ? `⚠ ${results.warnings.length === 1 ? 'see the warning' : `${results.warnings.length} warnings`} — ` : '') +
      `test accuracy ${headline.accuracy.toFixed(3)}${interval(headline.accuracyInterval)}` +
      (majority ? ` vs majority ${majority.overall.accuracy.toFixed(3)}${vsMajority?.interval ? ` (${signed(vsMajority.difference)} [${signed(vsMajority.interval.low)}, ${signed(vsMajority.interval.high)}])` : ''}` : '') +
      (headline.baseline === 'tfidf-logreg' ? `, tfidf-logreg ${headline.baselineAccuracy!.toFixed(3)}` : '') +
      `; F1 ${headline.f1.toFixed(3)}; ROC-AUC ${headline.rocAuc === null ? '–' : headline.rocAuc.toFixed(3)}${interval(headline.rocAucInterval)}` +
      (headline.pairAccuracy !== undefined ? `; pair-correct ${headline.pairAccuracy.toFixed(3)}${interval(headline.pairAccuracyInterval)} of ${headline.pairs} twin pairs` : '') +
      ` (${results.test.rows} test rows, 95% bootstrap intervals)`,
    counts: { testRows: results.test.rows, pairs: testRows.pairs.length, models: models.length, setAside: setAside.length },
    summary: { ...headline, report },
  };
}

export const evaluateStage: StageDefinition = {
  name: 'evaluate',
  description: 'The detector and baselines on the test split: metrics overall, per source, per bug type and on twin pairs with bootstrap intervals; predictions.jsonl.gz, report.md and report.html',
  version: EVALUATE_VERSION,
  reads: (spec) => (spec.training.mode === 'train' ? [{ stage: 'merge' }, { stage: 'train' }] : [{ stage: 'merge' }]),
  config: (spec) => ({
    evaluation: spec.evaluation,
    seed: spec.training.seed,
    pretrained: spec.training.mode === 'pretrained' ? spec.training.model : undefined,
  }),
  run,
};
