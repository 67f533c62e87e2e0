// Head training time vs rows (1k, 10k, 100k) for TF-IDF (sparse) and dense 768-d features, and
// the encoder feature cache's hit rate on a rerun.
//   npx tsx bench/train.ts [--rows 1000,10000,100000] [--epochs 2] [--cache-rows 2000] [--mlp-max-rows 10000]
// TF-IDF rows are generated code-like texts (a 30k-identifier pool, so the 20k-term vocabulary
// cap matters) whose label shows in a few tokens among noise; dense rows are Gaussian with the
// label along one direction (the cost of training does not depend on what the numbers mean).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { BugRecord } from '../core/records/record.js';
import { LocalStore } from '../core/store/local.js';
import { Encoder } from '../stage-images/features/encoder.js';
import { encoderDigest, resolveEncoder } from '../stage-images/features/encoder-source.js';
import { EncoderFeaturizer, fitTfidf, hitRate, TfidfFeaturizer, type Featurized } from '../stage-images/features/featurize.js';
import { DenseMatrixBuilder } from '../stage-images/features/matrix.js';
import { TFIDF_OPTIONS } from '../stage-images/features/open-encoder.js';
import { fitHead } from '../stage-images/train/fit.js';
import { seededRandom } from '../stage-images/train/random.js';
import { writeEncoderDir } from '../test/support/tiny-encoder.js';
import { mib, startMemorySampler } from './memory.js';

const { values: args } = parseArgs({ options: {
  rows: { type: 'string', default: '1000,10000,100000' }, epochs: { type: 'string', default: '2' },
  'cache-rows': { type: 'string', default: '2000' }, 'mlp-max-rows': { type: 'string', default: '10000' },
} });

function codeRecords(n: number, seed: number): BugRecord[] {
  const random = seededRandom(seed);
  const ident = () => `v${Math.floor(random() * 30000)}`;
  return Array.from({ length: n }, (_, i) => {
    const buggy = random() < 0.45;
    const stmts = Array.from({ length: 12 }, () => `${ident()} = ${ident()}(${ident()}, ${Math.floor(random() * 100)});`);
    stmts.splice(Math.floor(random() * stmts.length), 0, buggy && random() < 0.8 ? 'memcpy(dst, src, n);' : 'if (n > cap) return -1;');
    return { id: `b${i}`, func: `int f${i}(void) {\n  ${stmts.join('\n  ')}\n}\n`, label: buggy ? 1 : 0, lang: 'c', source: 'demo' };
  });
}

function denseRows(n: number, dim: number, seed: number): Featurized {
  const random = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const b = new DenseMatrixBuilder(dim, n);
  const labels = new Uint8Array(n);
  const row = new Float32Array(dim);
  for (let i = 0; i < n; i++) {
    labels[i] = random() < 0.45 ? 1 : 0;
    for (let j = 0; j < dim; j++) row[j] = gauss() * 0.5 + (j < 8 ? (labels[i] ? 0.3 : -0.3) : 0);
    b.push(row);
  }
  return { x: b.build(), labels, synthetic: new Uint8Array(n) };
}

const epochs = Number(args.epochs);
// Adam at one fixed L2, so that the time per epoch is what it says (the stage's L-BFGS and L2 grid are measured by bench/train-evaluate.ts and bench/optimizers.ts)
const settings = (head: 'logreg' | 'mlp') => ({ head, hiddenSize: 256, optimizer: 'adam' as const, l2: 0.001, epochs, patience: epochs + 1, learningRate: 0.001, batchSize: 32, seed: 1 });
const seconds = (t: number) => (performance.now() - t) / 1000;
const from = (rows: BugRecord[]) => async function* () { yield* rows; };

const memory = startMemorySampler();
console.log(`Head training (${epochs} epochs each; time per epoch includes the validation pass):\n`);
console.log('| features | head | train rows | featurize s | s / epoch | train rows/s | val F1 |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const n of args.rows.split(',').map(Number)) {
  const valN = Math.max(200, Math.round(n / 10));
  // TF-IDF: vocabulary fit + transform of train and validation, then each head.
  const train = codeRecords(n, 1), val = codeRecords(valN, 2);
  let t = performance.now();
  const vocabulary = await fitTfidf(from(train), TFIDF_OPTIONS);
  const featurizer = new TfidfFeaturizer(vocabulary);
  const tf = await featurizer.featurize(from(train), 'train');
  const tv = await featurizer.featurize(from(val), 'validation');
  const featurizeS = seconds(t);
  const heads = (['logreg', 'mlp'] as const).filter((h) => h === 'logreg' || n <= Number(args['mlp-max-rows']));
  for (const head of heads) {
    t = performance.now();
    const fit = fitHead(tf, tv, settings(head));
    const perEpoch = seconds(t) / fit.epochsRun;
    console.log(`| tf-idf (${vocabulary.terms.length} terms) | ${head} | ${n} | ${featurizeS.toFixed(2)} | ${perEpoch.toFixed(2)} | ${Math.round(n / perEpoch)} | ${fit.validationF1.toFixed(3)} |`);
  }
  const df = denseRows(n, 768, 3), dv = denseRows(valN, 768, 4);
  for (const head of heads) {
    t = performance.now();
    const fit = fitHead(df, dv, settings(head));
    const perEpoch = seconds(t) / fit.epochsRun;
    console.log(`| dense 768 | ${head} | ${n} | – | ${perEpoch.toFixed(2)} | ${Math.round(n / perEpoch)} | ${fit.validationF1.toFixed(3)} |`);
  }
}

// Feature cache: the same texts encoded twice (a rerun), then half of them new.
const cacheRows = Number(args['cache-rows']);
const root = await mkdtemp(join(tmpdir(), 'bugforge-bench-cache-'));
try {
  const store = new LocalStore(join(root, 'store'));
  const location = await resolveEncoder((await writeEncoderDir(join(root, 'tiny'))).dir, { revision: 'main', hubEndpoint: 'http://unused.invalid', env: {} });
  const digest = await encoderDigest(location);
  const rows = codeRecords(cacheRows, 5);
  const half = [...rows.slice(0, cacheRows / 2), ...codeRecords(cacheRows / 2, 6)];
  console.log(`\nEncoder feature cache (tiny test encoder, ${cacheRows} texts, max 400 tokens, local store):\n`);
  console.log('| run | hit rate | seconds | rows/s |');
  console.log('|---|---:|---:|---:|');
  for (const [label, data] of [['first run (cold)', rows], ['rerun (same texts)', rows], ['half the texts new', half]] as const) {
    const encoder = await Encoder.load(location, { pooling: 'cls', maxLength: 400, batchSize: 32, gpus: 0 });
    const featurizer = new EncoderFeaturizer(encoder, store, digest, undefined, pino({ level: 'silent' }));
    const t = performance.now();
    await featurizer.featurize(from(data), 'bench');
    const s = seconds(t);
    console.log(`| ${label} | ${(hitRate(featurizer.stats) * 100).toFixed(1)}% | ${s.toFixed(2)} | ${Math.round(data.length / s)} |`);
    await encoder.close();
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
const peak = memory.stop();
console.log(`\npeak RSS ${mib(peak.peakRssBytes)}, peak V8 heap ${mib(peak.peakHeapUsedBytes)} (whole bench, one process)`);
