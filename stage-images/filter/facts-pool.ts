// Worker threads that compute the filter's per-sample facts (the parse, tokens, hashes, MinHash:
// most of the filter's CPU) in parallel; the judge then applies them in order on the main thread,
// so the output is the same, row for row, as with no pool. Used when the stage may use more than
// one CPU (core/stage/cpus.ts) and there are enough samples to repay starting the workers.
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../core/stage/module-worker.js';
import type { BugRecord } from '../../core/records/record.js';
import type { FactsAnswer, FactsRequest, FactsWorkerData } from './facts-worker.js';
import type { FilterConfig, RealFacts, SampleFacts } from './sample-facts.js';

interface Pending { resolve(facts: (SampleFacts | RealFacts | null)[]): void; reject(error: Error): void }

export class SampleFactsPool {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly pending = new Map<number, Pending & { worker: number }>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(size: number, config: FilterConfig, signatures: boolean) {
    const workerData: FactsWorkerData = { config, signatures };
    for (let i = 0; i < size; i++) {
      const worker = startModuleWorker(import.meta.url, 'facts-worker', workerData);
      worker.on('message', (answer: FactsAnswer) => this.settle(i, answer));
      worker.on('error', (error) => this.fail(new Error(`filter worker ${i} failed: ${error.message}`)));
      worker.on('exit', (code) => { if (code !== 0) this.fail(new Error(`filter worker ${i} exited with code ${code}`)); });
      this.workers.push(worker);
      this.load.push(0);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** The facts of a batch of synthetic samples (null for a malformed one), from the least busy worker. */
  facts(records: (BugRecord | null)[]): Promise<(SampleFacts | null)[]> {
    return this.send('sample', records) as Promise<(SampleFacts | null)[]>;
  }

  /** The index facts of a batch of real functions. */
  realFacts(records: BugRecord[]): Promise<RealFacts[]> {
    return this.send('real', records) as Promise<RealFacts[]>;
  }

  private send(kind: FactsRequest['kind'], records: (BugRecord | null)[]): Promise<(SampleFacts | RealFacts | null)[]> {
    if (this.failure) return Promise.reject(this.failure);
    const request: FactsRequest = { id: this.nextId++, kind, records: records.map((r) => (r ? { func: r.func, lang: r.lang } : null)) };
    const worker = this.load.indexOf(Math.min(...this.load));
    this.load[worker] += 1;
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject, worker });
      this.workers[worker].postMessage(request);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private settle(worker: number, answer: FactsAnswer): void {
    const waiting = this.pending.get(answer.id);
    if (!waiting) return;
    this.pending.delete(answer.id);
    this.load[worker] -= 1;
    if ('error' in answer) waiting.reject(new Error(`filter worker ${worker}: ${answer.error}`));
    else waiting.resolve(answer.facts);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const [id, waiting] of this.pending) {
      this.pending.delete(id);
      waiting.reject(this.failure);
    }
  }
}
