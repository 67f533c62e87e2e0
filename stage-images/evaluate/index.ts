// Stage 6, evaluate: the detector (trained, or training.model in pretrained mode), the real-only
// detector when there is one, and the baselines, scored on the merged test split; metrics overall
// and per source; metrics.json, report.md and a self-contained report.html with plots. The
// outcome summary carries the headline metrics to the PipelineRun status.
import type { StageContext, StageDefinition, StageOutcome } from '../../core/stage/definition.js';
import { unitDir } from '../../core/stage/layout.js';
import { hitRate } from '../features/featurize.js';
import { MERGE_SPLIT_FILES, SplitRows } from '../features/rows.js';
import { decodeModel, loadModelFromUri, type DetectorModel } from '../train/model-dir.js';
import { majorityBaseline, ModelScorer, tfidfLogregBaseline } from './detectors.js';
import { evaluateScores, headlineOf, type EvaluationResults, type ModelEvaluation } from './results.js';
import { reportHtml, reportMarkdown } from './report.js';

export const EVALUATE_VERSION = '1';

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

async function run(ctx: StageContext): Promise<StageOutcome> {
  const { spec } = ctx;
  const splits = {
    train: new SplitRows('final_train', () => ctx.inputs.records('merge', MERGE_SPLIT_FILES.train)),
    validation: new SplitRows('final_val', () => ctx.inputs.records('merge', MERGE_SPLIT_FILES.validation)),
    test: new SplitRows('final_test', () => ctx.inputs.records('merge', MERGE_SPLIT_FILES.test)),
  };
  const open = (s: SplitRows) => () => s.open();
  const scorer = new ModelScorer(open(splits.test), { spec, store: ctx.store, env: ctx.env, log: ctx.log, progress: ctx.progress });
  const models: ModelEvaluation[] = [];
  let test: { labels: Uint8Array; synthetic: Uint8Array } | undefined;
  try {
    const pretrained = spec.training.mode === 'pretrained';
    ctx.progress.phase('load detector');
    const detector = pretrained ? await loadModelFromUri(spec.training.model!, ctx.env) : await trainedModel(ctx, 'model');
    const scored = await scorer.score(detector);
    test = scored.test;
    models.push(evaluateScores({ name: 'detector', role: 'detector', description: (pretrained ? `pretrained ${spec.training.model}: ` : '') + describeModel(detector), threshold: detector.config.threshold }, test.labels, test.synthetic, scored.scores));

    if (!pretrained && (await ctx.inputs.manifest('train')).files.some((f) => f.path === 'model-real-only/config.json')) {
      const realOnly = await trainedModel(ctx, 'model-real-only');
      const s = await scorer.score(realOnly);
      models.push(evaluateScores({ name: 'detector (real data only)', role: 'real-only', description: describeModel(realOnly), threshold: realOnly.config.threshold }, test.labels, test.synthetic, s.scores));
    }

    for (const baseline of spec.evaluation.baselines) {
      if (baseline === 'majority') {
        const m = await majorityBaseline(open(splits.train));
        const scores = new Float32Array(test.labels.length).fill(m.majority);
        models.push(evaluateScores({ name: 'majority', role: 'baseline', description: `always predicts the train split's majority class (${m.majority ? 'buggy' : 'clean'}: ${m.majority ? m.positives : m.rows - m.positives} of ${m.rows})` }, test.labels, test.synthetic, scores));
      } else {
        const model = await tfidfLogregBaseline(open(splits.train), open(splits.validation), spec.training.seed, ctx.progress);
        const s = await scorer.score(model);
        models.push(evaluateScores({ name: 'tfidf-logreg', role: 'baseline', description: describeModel(model), threshold: model.config.threshold }, test.labels, test.synthetic, s.scores));
      }
    }
  } finally {
    await scorer.close();
  }

  const encoder = scorer.encoderInfo();
  const setAside = [...splits.train.setAside, ...splits.validation.setAside, ...splits.test.setAside];
  const results: EvaluationResults = {
    test: { rows: test.labels.length, positives: test.labels.reduce((n, v) => n + v, 0), synthetic: test.synthetic.reduce((n, v) => n + v, 0) },
    models,
    ...(encoder ? { executionProvider: encoder.executionProvider, featureCache: { ...encoder.stats, hitRate: hitRate(encoder.stats) } } : {}),
    setAside: setAside.length,
    generatedAt: ctx.now().toISOString(),
  };
  if (results.test.rows === 0) throw new Error('the test split (final_test.jsonl.gz) has no usable rows: nothing to evaluate; check the merge stage\'s split settings');
  const title = `bugforge evaluation — ${ctx.run.namespace}/${ctx.run.name}`;
  ctx.progress.phase('report');
  const headline = headlineOf(results);
  await ctx.outputs.json('metrics.json', { headline, ...results });
  await ctx.outputs.text('report.md', reportMarkdown(results, title));
  await ctx.outputs.text('report.html', await reportHtml(results, title));
  await ctx.outputs.records('set_aside.jsonl.gz', setAside);
  const report = ctx.store.uriOf(`${unitDir(ctx.run, 'evaluate')}/report.html`);
  return {
    headline: `test F1 ${headline.f1.toFixed(3)}, accuracy ${headline.accuracy.toFixed(3)}, ROC-AUC ${headline.rocAuc === null ? '–' : headline.rocAuc.toFixed(3)}` +
      (headline.baseline ? ` (${headline.baseline} baseline: F1 ${headline.baselineF1!.toFixed(3)}, accuracy ${headline.baselineAccuracy!.toFixed(3)})` : '') + ` on ${results.test.rows} test rows`,
    counts: { testRows: results.test.rows, models: models.length, setAside: setAside.length },
    summary: { ...headline, report },
  };
}

export const evaluateStage: StageDefinition = {
  name: 'evaluate',
  description: 'The detector and baselines on the test split: metrics overall and per source, report.md and report.html with plots',
  version: EVALUATE_VERSION,
  reads: (spec) => (spec.training.mode === 'train' ? [{ stage: 'merge' }, { stage: 'train' }] : [{ stage: 'merge' }]),
  config: (spec) => ({
    evaluation: spec.evaluation,
    seed: spec.training.seed,
    pretrained: spec.training.mode === 'pretrained' ? spec.training.model : undefined,
  }),
  run,
};
