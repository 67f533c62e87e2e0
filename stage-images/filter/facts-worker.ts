// A worker thread of the filter's facts pool (facts-pool.ts): loads tree-sitter once, then answers
// each batch of samples with their facts (sample-facts.ts), in the batch's order.
import { parentPort, workerData } from 'node:worker_threads';
import { loadCodeParser } from '../../core/code/parse.js';
import type { BugRecord } from '../../core/records/record.js';
import { MinHasher } from './minhash.js';
import { MINHASH_SEED, realFacts, sampleFacts, type FilterConfig, type RealFacts, type SampleFacts } from './sample-facts.js';

export interface FactsWorkerData { config: FilterConfig; signatures: boolean }
/**
 * A batch: the functions' code and language (null for a malformed sample); nothing else is needed.
 * 'sample': synthetic samples (sampleFacts); 'real': the real functions being indexed (realFacts).
 */
export interface FactsRequest { id: number; kind: 'sample' | 'real'; records: (Pick<BugRecord, 'func' | 'lang'> | null)[] }
export type FactsAnswer = { id: number; facts: (SampleFacts | RealFacts | null)[] } | { id: number; error: string };

const { config, signatures } = workerData as FactsWorkerData;
const parser = await loadCodeParser();
const minHasher = signatures ? new MinHasher(config.minhashPermutations, MINHASH_SEED) : undefined;

parentPort!.on('message', ({ id, kind, records }: FactsRequest) => {
  let answer: FactsAnswer;
  try {
    if (kind === 'real') {
      parentPort!.postMessage({ id, facts: records.map((r) => (r ? realFacts(r, parser) : null)) } satisfies FactsAnswer);
      return;
    }
    const facts = records.map((r) => (r ? sampleFacts(r, parser, config, minHasher) : null));
    answer = { id, facts };
    // the batch's signatures in one buffer, moved to the main thread rather than copied one by one
    const signatures = facts.map((f) => f?.parsed?.signature).filter((s): s is Uint32Array => s !== undefined);
    if (signatures.length) {
      const packed = new Uint32Array(signatures.reduce((n, s) => n + s.length, 0));
      let at = 0;
      for (const f of facts) {
        if (!f?.parsed?.signature) continue;
        packed.set(f.parsed.signature, at);
        f.parsed.signature = packed.subarray(at, at + f.parsed.signature.length);
        at += f.parsed.signature.length;
      }
      parentPort!.postMessage(answer, [packed.buffer]);
      return;
    }
  } catch (error) {
    answer = { id, error: (error as Error).stack ?? String(error) };
  }
  parentPort!.postMessage(answer);
});
