// trainDetector on a worker thread, so that two independent detectors (the detector and the
// real-only detector) train at once on two CPUs. Each fit is deterministic and sees the same
// inputs, so the models are the same, byte for byte, as when trained one after the other.
import { startModuleWorker } from '../../core/stage/module-worker.js';
import type { Featurized } from '../features/featurize.js';
import type { HeadSettings, TrainedDetector } from './detector.js';
import type { DetectorJob, DetectorWorkerMessage } from './detector-worker.js';
import type { EpochRecord } from './fit.js';
import type { FeatureConfig } from './model-dir.js';

export function trainDetectorOnThread(
  name: string, train: Featurized, validation: Featurized, features: FeatureConfig, settings: HeadSettings,
  onEpoch?: (e: EpochRecord) => void,
): Promise<TrainedDetector> {
  const worker = startModuleWorker(import.meta.url, 'detector-worker', { name, train, validation, features, settings } satisfies DetectorJob);
  return new Promise<TrainedDetector>((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void) => { if (!settled) { settled = true; f(); void worker.terminate(); } };
    worker.on('message', (m: DetectorWorkerMessage) => {
      if ('epoch' in m) onEpoch?.(m.epoch);
      else if ('error' in m) settle(() => reject(new Error(`training ${name} on a worker thread failed: ${m.error}`)));
      else settle(() => {
        // structured clone hands a Buffer over as a plain Uint8Array
        const bin = m.done.files['head.bin'] as Uint8Array;
        m.done.files['head.bin'] = Buffer.from(bin.buffer, bin.byteOffset, bin.byteLength);
        resolve(m.done);
      });
    });
    worker.on('error', (error) => settle(() => reject(new Error(`training ${name} on a worker thread failed: ${error.message}`))));
    worker.on('exit', (code) => settle(() => reject(new Error(`the worker thread training ${name} exited with code ${code} before it finished`))));
  });
}
