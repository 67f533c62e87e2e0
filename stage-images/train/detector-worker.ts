// A worker thread that trains one detector (detector-thread.ts): the same trainDetector as on the
// main thread, on copies of the features; each step's record goes back as it happens, the trained
// detector at the end.
import { parentPort, workerData } from 'node:worker_threads';
import type { Featurized } from '../features/featurize.js';
import { trainDetector, type HeadSettings, type TrainedDetector } from './detector.js';
import type { EpochRecord } from './fit.js';
import type { FeatureConfig } from './model-dir.js';

export interface DetectorJob { name: string; train: Featurized; validation: Featurized; features: FeatureConfig; settings: HeadSettings }
export type DetectorWorkerMessage = { epoch: EpochRecord } | { done: TrainedDetector } | { error: string };

const job = workerData as DetectorJob;
try {
  const trained = trainDetector(job.name, job.train, job.validation, job.features, job.settings, (epoch) => parentPort!.postMessage({ epoch } satisfies DetectorWorkerMessage));
  parentPort!.postMessage({ done: trained } satisfies DetectorWorkerMessage);
} catch (error) {
  parentPort!.postMessage({ error: (error as Error).stack ?? String(error) } satisfies DetectorWorkerMessage);
}
