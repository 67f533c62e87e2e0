// Provider `mutation`: offline, deterministic bug injection (tree-sitter-guided).
import { seededRandom } from '../random.js';
import { syntheticRecord, type Provider, type SampleResult, type SampleTask } from '../sample.js';
import { mutate } from './engine.js';
import { loadTreeParser } from './syntax-tree.js';

export async function createMutationProvider(seed: number): Promise<Provider> {
  const parser = await loadTreeParser();
  return {
    name: 'mutation',
    concurrency: 1,
    async generate(task: SampleTask): Promise<SampleResult> {
      const random = seededRandom('mutation-site', seed, task.index);
      const outcome = mutate(parser, task.origin.func, task.origin.lang, task.bugTypes, random);
      if (!outcome.ok) return { ok: false, task, failure: { reason: outcome.reason, detail: outcome.detail } };
      return { ok: true, usedFallbackType: outcome.bugType !== task.bugTypes[0], record: syntheticRecord(task, outcome.bugType, outcome.source, outcome.changedLines, { provider: 'mutation', seed }) };
    },
    counters: () => ({}),
  };
}
