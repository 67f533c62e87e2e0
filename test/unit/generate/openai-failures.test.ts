// issue 12 #1 and #8: a dead LLM or a wrong key must fail the batch (not "succeed" with 0 samples);
// 401/403 stop at the first answer with a configuration-error exit and the provider's message; a
// truncated body is retried; the request budget holds across a retried Pod.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { executeStage } from '../../../core/stage/runtime.js';
import { generateStage } from '../../../stage-images/generate/index.js';
import { Budget, RESERVE_CHUNK, type Spent } from '../../../stage-images/generate/openai/budget.js';
import { startOpenAIServer, type Behaviour, type ChatRequest, type OpenAIServer } from '../../support/openai-server.js';
import { fixtures, publishAnalyze, realRecord, silentLog, tempRun, type Fixture, type TestRun } from './helpers.js';

let all: Fixture[];
const runs: TestRun[] = [];
let server: OpenAIServer | undefined;
beforeAll(async () => { all = (await fixtures()).filter((f) => f.lang === 'c'); });
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const t of runs.splice(0)) await t.cleanup();
});

async function llmRun(script: (r: ChatRequest) => Behaviour | undefined, generation: Record<string, unknown> = {}): Promise<TestRun> {
  server = await startOpenAIServer({ script });
  const t = await tempRun({
    generation: {
      provider: 'openai', batches: 1, samplesPerBatch: 12, seed: 1,
      openai: { baseURL: server.baseURL, model: 'm', maxConcurrency: 3, maxRetries: 2, timeoutSeconds: 5 }, ...generation,
    },
  });
  runs.push(t);
  await publishAnalyze(t, { 'dataset/train.jsonl.gz': all.map((f) => realRecord(f)), 'dataset/validation.jsonl.gz': [], 'dataset/test.jsonl.gz': [] });
  return t;
}
const batch0 = (t: TestRun) => executeStage(generateStage, { run: t.run, spec: t.spec, store: t.store, unit: 'batch-0000', log: silentLog, env: { OPENAI_API_KEY: 'sk-wrong' } });
const failureOf = (p: Promise<unknown>) => p.then(() => { throw new Error('the batch succeeded'); }, (e: Error & { exitCode?: number }) => e);

describe('generate with an LLM that does not work', () => {
  it('401: the batch fails at once with a configuration-error exit and the provider\'s message; no request after the refusals in flight', async () => {
    const t = await llmRun(() => ({ kind: 'error', status: 401, message: 'Incorrect API key provided: sk-wr***ng.' }));
    const error = await failureOf(batch0(t));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('HTTP 401');
    expect(error.message).toContain('Incorrect API key provided');
    expect(error.message).toContain('generation.openai.apiKeySecret');
    expect(server!.count).toBeLessThanOrEqual(3); // the first wave (maxConcurrency 3), never retried, nothing after
    expect(await t.store.exists('runs/test/run/uid-1/02-generate/batch-0000/_manifest.json')).toBe(false);
  });

  it('503 on every request: the batch fails (publishing nothing) instead of succeeding with 0 samples', async () => {
    const t = await llmRun(() => ({ kind: 'error', status: 503, message: 'upstream model is loading' }));
    const error = await failureOf(batch0(t));
    expect(error.exitCode).toBeUndefined(); // worth a Pod retry: the endpoint may come back
    expect(error.message).toMatch(/batch-0000: 12 of 12 samples failed \(12 request-failed\), more than generation.maxFailureRate 50%; first: request-failed: http-503/);
    expect(await t.store.exists('runs/test/run/uid-1/02-generate/batch-0000/_manifest.json')).toBe(false);
  });

  it('a failure rate under generation.maxFailureRate publishes; maxFailureRate 1 turns the limit off', async () => {
    const some = await llmRun((r) => (r.n % 4 === 0 ? { kind: 'answer', content: 'Sorry, I cannot help with that.' } : undefined));
    expect((await batch0(some)).manifest.counts).toMatchObject({ requested: 12, provider_failures: 3 });
    await server!.close();
    const off = await llmRun(() => ({ kind: 'error', status: 503 }), { maxFailureRate: 1 });
    expect((await batch0(off)).manifest.counts).toMatchObject({ produced: 0, provider_failures: 12 });
  });

  it('a truncated response body is retried (and then answered)', async () => {
    const t = await llmRun((r) => (r.n === 1 ? { kind: 'raw', body: '{"id":"chatcmpl-1","choices":[{"index":0,"message":{"role":"assist' } : undefined), { samplesPerBatch: 1 });
    const result = await batch0(t);
    expect(result.manifest.counts).toMatchObject({ produced: 1, retries: 1, 'errors_truncated-body': 1 });
  });
});

describe('the request budget across Pod attempts', () => {
  it('reserves requests in the ledger before using them: a second attempt goes on from the first one\'s count', async () => {
    let saved: Spent = { requests: 0, tokens: 0 };
    const ledger = { load: async () => saved, save: async (s: Spent) => { saved = s; } };
    const first = new Budget(20, undefined, ledger);
    for (let i = 0; i < 11; i++) expect(await first.tryTakeRequest()).toBe(true);
    expect(saved.requests).toBe(2 * RESERVE_CHUNK); // written down before use: a crash here loses at most unused ones
    // the Pod dies; the retried one starts from the ledger, not from 0
    const second = new Budget(20, undefined, ledger);
    let taken = 0;
    while (await second.tryTakeRequest()) taken++;
    expect(taken).toBe(20 - 2 * RESERVE_CHUNK);
    expect(11 + taken).toBeLessThanOrEqual(20);
    expect(second.describe()).toMatch(/20\/20 requests \(16 by earlier attempts\)/);
  });

  it('a generate batch run twice with the same store spends its budget share once', async () => {
    const t = await llmRun(() => ({ kind: 'error', status: 503 }), { samplesPerBatch: 12, maxFailureRate: 1 });
    // budget of 10 requests for the run (one batch): the first attempt spends them all on 503s
    const spec = { ...t.spec, generation: { ...t.spec.generation, openai: { ...t.spec.generation.openai!, maxRetries: 0, budget: { maxRequests: 10, maxTokens: 0 } } } };
    await executeStage(generateStage, { run: t.run, spec, store: t.store, unit: 'batch-0000', log: silentLog, env: {} });
    expect(server!.count).toBe(10);
    await executeStage(generateStage, { run: t.run, spec, store: t.store, unit: 'batch-0000', log: silentLog, env: {}, force: true });
    expect(server!.count).toBe(10); // the rerun found the budget spent
  });
});
