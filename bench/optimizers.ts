// Which optimiser the heads should use, measured: full-batch L-BFGS against minibatch Adam (two
// step sizes), for the logreg and MLP heads, on TF-IDF features of real code (the parity fixture:
// SQLite functions and their mutated twins) and on dense 768-d rows shaped like encoder outputs
// (Gaussian, the label along a few directions). Every fit uses the stage's recipe: standardised
// inputs, L2 chosen on validation log-loss, threshold chosen on validation.
//   npx tsx bench/optimizers.ts [--dense-rows 3000]
import { parseArgs } from 'node:util';
import type { Featurized } from '../stage-images/features/featurize.js';
import { DenseMatrixBuilder } from '../stage-images/features/matrix.js';
import { classificationMetrics } from '../stage-images/evaluate/metrics.js';
import { fitHead, type FitOptions } from '../stage-images/train/fit.js';
import { predict } from '../stage-images/train/head.js';
import { seededRandom } from '../stage-images/train/random.js';
import { parityFeatures } from '../test/fixtures/parity/features.js';

const { values: args } = parseArgs({ options: { 'dense-rows': { type: 'string', default: '3000' } } });

function denseRows(n: number, seed: number): Featurized {
  const random = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const b = new DenseMatrixBuilder(768, n);
  const labels = new Uint8Array(n);
  const row = new Float32Array(768);
  for (let i = 0; i < n; i++) {
    labels[i] = random() < 0.45 ? 1 : 0;
    // a weak signal spread over 16 directions, on features with very different scales (as pooled encoder outputs)
    for (let j = 0; j < 768; j++) row[j] = (gauss() + (j < 16 ? (labels[i] ? 0.12 : -0.12) : 0)) * (1 + (j % 7));
    b.push(row);
  }
  return { x: b.build(), labels, synthetic: new Uint8Array(n) };
}

const base: Omit<FitOptions, 'head' | 'optimizer'> = { hiddenSize: 64, maxIterations: 300, epochs: 30, patience: 3, learningRate: 0.001, batchSize: 32, seed: 1 };
const runs: { label: string; head: 'logreg' | 'mlp'; optimizer: 'lbfgs' | 'adam'; learningRate?: number }[] = [
  { label: 'L-BFGS', head: 'logreg', optimizer: 'lbfgs' },
  { label: 'Adam 0.001', head: 'logreg', optimizer: 'adam' },
  { label: 'Adam 0.01', head: 'logreg', optimizer: 'adam', learningRate: 0.01 },
  { label: 'Adam 0.001', head: 'mlp', optimizer: 'adam' },
  { label: 'Adam 0.01', head: 'mlp', optimizer: 'adam', learningRate: 0.01 },
  { label: 'L-BFGS', head: 'mlp', optimizer: 'lbfgs' },
];

const parity = await parityFeatures();
const n = Number(args['dense-rows']);
const sets: [string, Record<'train' | 'validation' | 'test', Featurized>][] = [
  [`TF-IDF, SQLite twins (${parity.train.labels.length} train rows, ${parity.train.x.dim} terms)`, parity],
  [`dense 768-d (${n} train rows)`, { train: denseRows(n, 1), validation: denseRows(Math.round(n / 4), 2), test: denseRows(Math.round(n / 4), 3) }],
];
console.log('| features | head | optimiser | L2 chosen | steps (chosen L2) | stopped | fit s (whole L2 grid) | test accuracy | test ROC-AUC |');
console.log('|---|---|---|---:|---:|---|---:|---:|---:|');
for (const [name, f] of sets) {
  for (const r of runs) {
    const t = performance.now();
    const fit = fitHead(f.train, f.validation, { ...base, head: r.head, optimizer: r.optimizer, learningRate: r.learningRate ?? base.learningRate });
    const seconds = (performance.now() - t) / 1000;
    const m = classificationMetrics(f.test.labels, predict(fit.shape, fit.params, f.test.x), fit.threshold);
    const chosen = fit.l2Search.find((c) => c.l2 === fit.l2)!;
    console.log(`| ${name} | ${r.head} | ${r.label} | ${fit.l2} | ${fit.epochsRun} | ${chosen.converged} | ${seconds.toFixed(1)} | ${m.accuracy.toFixed(3)} | ${m.rocAuc?.toFixed(3)} |`);
  }
}
