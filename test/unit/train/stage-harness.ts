// Runs train and evaluate through the real stage runtime on a local store, with the merge
// stage's outputs published by a small stand-in definition (the records come from the test).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { validateSpec } from '../../../api/v1alpha1/validate.js';
import type { BugRecord } from '../../../core/records/record.js';
import type { StageDefinition } from '../../../core/stage/definition.js';
import { executeStage } from '../../../core/stage/runtime.js';
import { LocalStore } from '../../../core/store/local.js';

export const silentLog = pino({ level: 'silent' });
export const RUN = { namespace: 'default', name: 'unit', uid: 'uid-1' };

export function publishedMerge(splits: { train: unknown[]; validation: unknown[]; test: unknown[] }): StageDefinition {
  return {
    name: 'merge', description: 'test stand-in for merge', version: 'test', reads: () => [], config: () => ({ n: splits.train.length }),
    async run(ctx) {
      await ctx.outputs.records('final_train.jsonl.gz', splits.train);
      await ctx.outputs.records('final_val.jsonl.gz', splits.validation);
      await ctx.outputs.records('final_test.jsonl.gz', splits.test);
      return { headline: 'merged', counts: {} };
    },
  };
}

export async function tempStore(): Promise<LocalStore> {
  return new LocalStore(await mkdtemp(join(tmpdir(), 'bugforge-train-test-')));
}

export function specWith(training: Record<string, unknown>, evaluation: Record<string, unknown> = {}) {
  return validateSpec({ dataset: { source: 'demo' }, training, evaluation });
}

export async function runStage(def: StageDefinition, store: LocalStore, spec: ReturnType<typeof specWith>, opts: { force?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  return executeStage(def, { run: RUN, spec, store, log: silentLog, force: opts.force, env: opts.env ?? { ...process.env, BUGFORGE_CACHE_DIR: join(store.root, 'model-cache') } });
}

export type { BugRecord };
