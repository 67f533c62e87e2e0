// Stage 5, train: features for the merged train and validation splits (TF-IDF or the ONNX
// encoder), a head fitted on standardised features with L2 and early stopping chosen on
// validation log-loss and a threshold chosen on validation accuracy (fit.ts), saved as model/; and, when
// the train split has synthetic rows and evaluation.withoutSynthetic is set, the same detector
// trained on the real rows only (model-real-only/), so evaluate can say what synthetic data bought.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { StageContext, StageDefinition, StageOutcome } from '../../core/stage/definition.js';
import { fitTfidf, hitRate, TfidfFeaturizer, type Featurizer } from '../features/featurize.js';
import { openEncoder, TFIDF_OPTIONS, type OpenedEncoder } from '../features/open-encoder.js';
import { MERGE_SPLIT_FILES, SplitRows } from '../features/rows.js';
import { headSettings, realOnly, trainDetector, type TrainedDetector } from './detector.js';
import { trainDetectorOnThread } from './detector-thread.js';
import { usableCpus } from '../../core/stage/cpus.js';
import type { FeatureConfig } from './model-dir.js';
import type { EpochRecord } from './fit.js';
import { EXPORT_OUTPUT, exportedOnnx, headAppendix } from './onnx-export.js';

export const TRAIN_VERSION = '2';

async function writeModel(ctx: StageContext, dir: string, d: TrainedDetector): Promise<void> {
  await ctx.outputs.text(`${dir}/config.json`, d.files['config.json']);
  await ctx.outputs.stream(`${dir}/head.bin`, Readable.from([d.files['head.bin']]));
  await ctx.outputs.text(`${dir}/model_card.md`, d.files['model_card.md']);
}

async function run(ctx: StageContext): Promise<StageOutcome> {
  const t = ctx.spec.training;
  const splits = {
    train: new SplitRows('final_train', () => ctx.inputs.records('merge', MERGE_SPLIT_FILES.train)),
    validation: new SplitRows('final_val', () => ctx.inputs.records('merge', MERGE_SPLIT_FILES.validation)),
  };
  if (t.exportOnnx && t.features !== 'encoder') ctx.log.warn('training.exportOnnx needs training.features: encoder (TF-IDF tokenisation is not an ONNX graph); no model.onnx is written');

  let featurizer: Featurizer;
  let features: FeatureConfig;
  let opened: OpenedEncoder | undefined;
  if (t.features === 'tfidf') {
    ctx.progress.phase('tf-idf vocabulary');
    const vocabulary = await fitTfidf(() => splits.train.open(), TFIDF_OPTIONS);
    featurizer = new TfidfFeaturizer(vocabulary, ctx.progress);
    features = { kind: 'tfidf', vocabulary };
    ctx.log.info({ terms: vocabulary.terms.length, documents: vocabulary.documents }, `tf-idf vocabulary: ${vocabulary.terms.length} terms`);
  } else {
    opened = await openEncoder(t.encoder, ctx.spec, { store: ctx.store, env: ctx.env, log: ctx.log, progress: ctx.progress });
    featurizer = opened.featurizer;
    features = { kind: 'encoder', encoder: opened.reference, pooling: t.pooling, maxLength: t.maxLength, dim: 0 };
  }
  try {
    const train = await featurizer.featurize(() => splits.train.open(), 'train');
    const validation = await featurizer.featurize(() => splits.validation.open(), 'validation');
    if (features.kind === 'encoder') features.dim = train.x.dim;
    const settings = headSettings(t);

    ctx.progress.phase(`train ${t.head}`);
    const epochLog = (label: string) => (e: EpochRecord) => {
      ctx.progress.tick();
      ctx.log.debug(e, `${label} step ${e.epoch}: loss ${e.trainLoss.toFixed(4)}, validation loss ${e.validationLoss.toFixed(4)}`);
    };
    const fitLog = (label: string, d: TrainedDetector) => ctx.log.info(
      { optimizer: d.fit.optimizer, l2: d.fit.l2, l2Search: d.fit.l2Search, threshold: d.fit.threshold, thresholdFrom: d.fit.thresholdChoice.from },
      `${label}: ${d.fit.optimizer}, L2 ${d.fit.l2}, ${d.fit.epochsRun} steps (best ${d.fit.bestEpoch}), validation log-loss ${d.fit.bestValidationLoss.toFixed(4)}, ROC-AUC ${d.fit.bestValidationAuc?.toFixed(3) ?? '–'}, threshold ${d.fit.threshold.toFixed(3)} (${d.fit.thresholdChoice.from})`);
    // The real-only detector does not depend on the detector: with a second CPU it trains on a
    // worker thread meanwhile (the same model as trained after it; detector-thread.ts).
    const realOnlyWanted = train.synthetic.includes(1) && ctx.spec.evaluation.withoutSynthetic;
    const realOnlyName = 'bugforge detector (real data only)';
    const realOnlyOnThread = realOnlyWanted && usableCpus(ctx.env) > 1
      ? trainDetectorOnThread(realOnlyName, realOnly(train), realOnly(validation), features, settings, epochLog('real-only detector'))
      : undefined;
    realOnlyOnThread?.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
    const detector = trainDetector('bugforge detector', train, validation, features, settings, epochLog('detector'));
    fitLog('detector', detector);
    await writeModel(ctx, 'model', detector);
    let exported: string | undefined;
    if (t.exportOnnx && opened) {
      ctx.progress.phase('export ONNX (encoder + head)');
      const { location } = opened.encoder;
      await ctx.outputs.stream('model/model.onnx', exportedOnnx(join(location.dir, location.onnxFile), headAppendix(detector.model, opened.encoder.outputName)));
      for (const f of ['tokenizer.json', 'tokenizer_config.json']) await ctx.outputs.stream(`model/${f}`, createReadStream(join(location.dir, f)));
      exported = 'model/model.onnx';
      ctx.log.info(`exported ${exported}: inputs input_ids, attention_mask; output ${EXPORT_OUTPUT} [batch, 1]`);
    }

    let realOnlyDetector: TrainedDetector | undefined;
    if (realOnlyWanted) {
      ctx.progress.phase(`train ${t.head} (real rows only)`);
      realOnlyDetector = realOnlyOnThread
        ? await realOnlyOnThread
        : trainDetector(realOnlyName, realOnly(train), realOnly(validation), features, settings, epochLog('real-only detector'));
      fitLog('real-only detector', realOnlyDetector);
      await writeModel(ctx, 'model-real-only', realOnlyDetector);
    }

    const setAside = [...splits.train.setAside, ...splits.validation.setAside];
    await ctx.outputs.records('set_aside.jsonl.gz', setAside);
    const executionProvider = opened?.encoder.executionProvider ?? 'none (tf-idf)';
    const cacheHitRate = opened ? hitRate(opened.featurizer.stats) : undefined;
    const summaryOf = (d: TrainedDetector) => ({
      optimizer: d.fit.optimizer, l2: d.fit.l2, l2Search: d.fit.l2Search,
      threshold: d.fit.threshold, thresholdFrom: d.fit.thresholdChoice.from,
      epochsRun: d.fit.epochsRun, bestEpoch: d.fit.bestEpoch, stoppedOn: d.fit.stoppedOn,
      bestValidationLoss: d.fit.bestValidationLoss, bestValidationAuc: d.fit.bestValidationAuc,
      validationAccuracy: d.fit.validationAccuracy, validationF1: d.fit.validationF1,
      trainLossPerEpoch: d.fit.history.map((e) => e.trainLoss), validationLossPerEpoch: d.fit.history.map((e) => e.validationLoss),
      validationAucPerEpoch: d.fit.history.map((e) => e.validationAuc),
      rows: d.trainedOn,
    });
    await ctx.outputs.json('training.json', {
      features: t.features, head: t.head, hiddenSize: t.head === 'mlp' ? t.hiddenSize : undefined,
      encoder: opened?.reference, pooling: opened ? t.pooling : undefined, maxLength: opened ? t.maxLength : undefined,
      executionProvider, executionProviderNote: opened?.encoder.fallbackReason,
      featureCache: opened ? { ...opened.featurizer.stats, hitRate: cacheHitRate } : undefined,
      detector: summaryOf(detector),
      realOnly: realOnlyDetector ? summaryOf(realOnlyDetector) : undefined,
      setAside: setAside.length,
      onnx: exported,
    });
    const f1 = detector.fit.validationF1;
    const auc = (d: TrainedDetector) => d.fit.bestValidationAuc?.toFixed(3) ?? '–';
    return {
      headline: `${t.head} on ${t.features} features (${detector.fit.optimizer}, L2 ${detector.fit.l2}): validation ROC-AUC ${auc(detector)}, F1 ${f1.toFixed(3)} at threshold ${detector.fit.threshold.toFixed(3)}, ${detector.trainedOn.rows} train rows${realOnlyDetector ? `; real-only ROC-AUC ${auc(realOnlyDetector)}` : ''}`,
      counts: {
        trainRows: detector.trainedOn.rows, validationRows: detector.trainedOn.validationRows, syntheticTrainRows: detector.trainedOn.synthetic,
        epochsRun: detector.fit.epochsRun, setAside: setAside.length,
      },
      summary: {
        features: t.features, head: t.head, optimizer: detector.fit.optimizer, l2: detector.fit.l2, threshold: round(detector.fit.threshold),
        validationF1: round(f1), ...(detector.fit.bestValidationAuc !== null ? { validationRocAuc: round(detector.fit.bestValidationAuc) } : {}),
        bestEpoch: detector.fit.bestEpoch, epochsRun: detector.fit.epochsRun,
        executionProvider, ...(cacheHitRate !== undefined ? { featureCacheHitRate: round(cacheHitRate) } : {}),
        ...(realOnlyDetector ? { realOnlyValidationF1: round(realOnlyDetector.fit.validationF1) } : {}),
      },
    };
  } finally {
    await opened?.encoder.close();
  }
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

export const trainStage: StageDefinition = {
  name: 'train',
  description: 'Features (TF-IDF or an ONNX encoder) for the merged splits, a classification head on standardised features with L2, early stopping and threshold chosen on validation',
  version: TRAIN_VERSION,
  enabled: (spec) => spec.training.mode === 'train',
  reads: () => [{ stage: 'merge' }],
  config: (spec) => ({
    training: { ...spec.training, nodeSelector: undefined, tolerations: undefined, gpus: undefined },
    withoutSynthetic: spec.evaluation.withoutSynthetic,
    hub: spec.training.features === 'encoder' ? spec.dataset.hubEndpoint : undefined,
  }),
  run,
};
