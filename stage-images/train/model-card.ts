// The model card (model_card.md): what the detector is, what it was trained on, how it did.
import type { FitResult } from './fit.js';
import type { ModelConfig } from './model-dir.js';

const f3 = (x: number) => x.toFixed(3);

export function modelCard(name: string, config: ModelConfig, fit: FitResult, data: { rows: number; positives: number; synthetic: number; validationRows: number }): string {
  const features = config.features.kind === 'tfidf'
    ? `TF-IDF over code tokens (${config.features.vocabulary.terms.length} terms, min document frequency ${config.features.vocabulary.minDocFreq}, sublinear tf, l2 norm)`
    : `encoder \`${config.features.encoder.source}\` (revision ${config.features.encoder.revision}, sha256 ${config.features.encoder.digest.slice(0, 16)}…, ${config.features.encoder.onnxFile}), ${config.features.pooling} pooling, max ${config.features.maxLength} tokens, ${config.features.dim} dimensions`;
  const head = config.head.kind === 'mlp' ? `MLP, one hidden layer of ${config.head.hiddenSize} (ReLU)` : 'logistic regression';
  return [
    `# ${name}`,
    '',
    'A binary detector of buggy functions (label 1 = buggy), trained by bugforge.',
    '',
    '## Model',
    `- Features: ${features}`,
    `- Head: ${head}, class-weighted cross-entropy (weights ${fit.classWeights.map(f3).join(' / ')} for clean / buggy), Adam`,
    `- Decision threshold: ${config.threshold}`,
    '',
    '## Training data',
    `- ${data.rows} train rows (${data.positives} buggy, ${data.synthetic} synthetic), ${data.validationRows} validation rows`,
    '',
    '## Training',
    `- Epochs run: ${fit.epochsRun}; best epoch ${fit.bestEpoch} (early stopping on ${fit.stoppedOn} F1, ties broken by loss)`,
    `- Best ${fit.stoppedOn} F1: ${f3(fit.bestValidationF1)}`,
    '',
    '| epoch | train loss | validation loss | validation F1 |',
    '|---:|---:|---:|---:|',
    ...fit.history.map((e) => `| ${e.epoch} | ${f3(e.trainLoss)} | ${f3(e.validationLoss)} | ${f3(e.validationF1)} |`),
    '',
    '## Use and limits',
    '- Test-set metrics are in the evaluate stage\'s metrics.json and report.html.',
    '- Scores are probabilities from a small head; they flag functions for review, they do not prove a bug.',
    '',
  ].join('\n');
}
