// The model card (model_card.md): what the detector is, what it was trained on, how it did.
import type { FitResult } from './fit.js';
import type { ModelConfig } from './model-dir.js';

const f3 = (x: number | null) => (x === null ? '–' : x.toFixed(3));

export function modelCard(name: string, config: ModelConfig, fit: FitResult, data: { rows: number; positives: number; synthetic: number; validationRows: number }): string {
  const features = config.features.kind === 'tfidf'
    ? `TF-IDF over code tokens (${config.features.vocabulary.terms.length} terms, min document frequency ${config.features.vocabulary.minDocFreq}, sublinear tf, l2 norm)`
    : `encoder \`${config.features.encoder.source}\` (revision ${config.features.encoder.revision}, sha256 ${config.features.encoder.digest.slice(0, 16)}…, ${config.features.encoder.onnxFile}), ${config.features.pooling} pooling, max ${config.features.maxLength} tokens, ${config.features.dim} dimensions`;
  const head = config.head.kind === 'mlp' ? `MLP, one hidden layer of ${config.head.hiddenSize} (ReLU)` : 'logistic regression';
  const optimizer = fit.optimizer === 'lbfgs' ? 'full-batch L-BFGS' : 'minibatch Adam';
  const unit = fit.optimizer === 'lbfgs' ? 'iteration' : 'epoch';
  return [
    `# ${name}`,
    '',
    'A binary detector of buggy functions (label 1 = buggy), trained by bugforge.',
    '',
    '## Model',
    `- Features: ${features}, standardised on the train split (${config.features.kind === 'tfidf' ? 'scaled to unit variance, not centred' : 'centred, unit variance'}; folded into the saved weights)`,
    `- Head: ${head}, class-weighted cross-entropy (weights ${fit.classWeights.map(f3).join(' / ')} for clean / buggy) + L2 ${fit.l2}, ${optimizer}`,
    `- Decision threshold: ${fit.threshold.toFixed(4)} (${fit.thresholdChoice.from}); at it, ${fit.stoppedOn} accuracy ${f3(fit.validationAccuracy)}, F1 ${f3(fit.validationF1)}`,
    '',
    '## Training data',
    `- ${data.rows} train rows (${data.positives} buggy, ${data.synthetic} synthetic), ${data.validationRows} validation rows`,
    '',
    '## L2 strength (chosen on validation log-loss)',
    '| L2 | validation log-loss | validation ROC-AUC | ' + unit + 's run | best ' + unit + ' | stopped |',
    '|---:|---:|---:|---:|---:|---|',
    ...fit.l2Search.map((c) => `| ${c.l2}${c.l2 === fit.l2 ? ' (chosen)' : ''} | ${f3(c.validationLoss)} | ${f3(c.validationAuc)} | ${c.epochsRun} | ${c.bestEpoch} | ${c.converged} |`),
    '',
    '## Training curve (chosen L2)',
    `- ${fit.epochsRun} ${unit}s; best ${unit} ${fit.bestEpoch} (early stopping on ${fit.stoppedOn} log-loss): log-loss ${f3(fit.bestValidationLoss)}, ROC-AUC ${f3(fit.bestValidationAuc)}`,
    '',
    `| ${unit} | train loss | ${fit.stoppedOn} loss | ${fit.stoppedOn} ROC-AUC |`,
    '|---:|---:|---:|---:|',
    ...fit.history.map((e) => `| ${e.epoch} | ${f3(e.trainLoss)} | ${f3(e.validationLoss)} | ${f3(e.validationAuc)} |`),
    '',
    '## Use and limits',
    '- Test-set metrics are in the evaluate stage\'s metrics.json and report.html.',
    '- Scores are probabilities from a small head; they flag functions for review, they do not prove a bug.',
    '',
  ].join('\n');
}
