import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OpenAISpec } from '../../../api/v1alpha1/spec.js';
import { BUG_TYPES } from '../../../api/v1alpha1/names.js';
import { createOpenAIProvider, type OpenAIProviderOptions } from '../../../stage-images/generate/openai/provider.js';
import type { Provider, SampleTask } from '../../../stage-images/generate/sample.js';
import { generateBatch } from '../../../stage-images/generate/batch.js';
import { Tally } from '../../../stage-images/generate/tally.js';
import type { BugRecord, SetAside } from '../../../core/records/record.js';
import { defaultAnswer, injectSmallBug, promptFunction, startOpenAIServer, type Behaviour, type ChatRequest, type OpenAIServer } from '../../support/openai-server.js';
import { capturingLog, fixtures, realRecord, silentLog, tempRun, type Fixture, type TestRun } from './helpers.js';

const API_KEY = 'sk-test-0123456789-very-secret';
let all: Fixture[];
let t: TestRun;
let server: OpenAIServer | undefined;
let waits: number[];

beforeAll(async () => {
  all = (await fixtures()).filter((f) => f.lang === 'c');
});
beforeEach(async () => {
  t = await tempRun();
  waits = [];
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await t.cleanup();
});

const task = (i: number): SampleTask => ({ index: i, cycle: 0, origin: realRecord(all[i % all.length]), bugTypes: [BUG_TYPES[i % BUG_TYPES.length]] });
const tasks = (n: number) => Array.from({ length: n }, (_, i) => task(i));

const config = (over: Partial<OpenAISpec> = {}): OpenAISpec => ({
  baseURL: server!.baseURL, model: 'test-coder-7b', maxConcurrency: 4, temperature: 0.2, maxTokens: 512, timeoutSeconds: 30, maxRetries: 3, jsonMode: 'auto',
  budget: { maxRequests: 0, maxTokens: 0 }, ...over,
});

async function provider(over: Partial<OpenAISpec> = {}, opts: Partial<OpenAIProviderOptions> = {}): Promise<Provider> {
  return createOpenAIProvider({
    config: config(over), apiKey: API_KEY, store: t.store, log: silentLog,
    sleep: async (ms) => { waits.push(ms); }, now: () => Date.parse('2026-01-01T00:00:00Z'), random: () => 0.5,
    retry: { baseDelayMs: 100, maxDelayMs: 1000 }, ...opts,
  });
}

async function runAll(p: Provider, list: SampleTask[]) {
  const tally = new Tally();
  const failures: SetAside[] = [];
  const records: BugRecord[] = [];
  for await (const r of generateBatch(list, p, tally, (row) => { failures.push(row); })) records.push(r);
  return { records, failures, tally, counters: p.counters() };
}

const scripted = async (script: (r: ChatRequest) => Behaviour | undefined, extra = {}) => {
  server = await startOpenAIServer({ script, ...extra });
};

describe('openai provider against a local OpenAI-compatible server', () => {
  it('makes a labelled synthetic record from a good answer, sends the key as Bearer, asks for JSON mode', async () => {
    await scripted(() => undefined);
    const { records, counters } = await runAll(await provider(), [task(0)]);
    expect(records).toHaveLength(1);
    const r = records[0];
    expect(r).toMatchObject({ label: 1, source: 'synthetic', origin_id: task(0).origin.id, bug_type: BUG_TYPES[0], lang: 'c', project: 'fixture' });
    expect(r.id).toBe(`syn-${task(0).origin.id}-${BUG_TYPES[0]}-0`);
    expect(r.func).toBe(injectSmallBug(all[0].func));
    expect(r.generator).toMatchObject({ provider: 'openai', model: 'test-coder-7b', explanation: 'loop bound made inclusive' });
    const changed = r.func.split('\n').slice(r.changed_lines![0] - 1, r.changed_lines![1]).join('\n');
    expect(changed).toMatch(/<=|!=/);
    expect(changed.split('\n')).toHaveLength(1);
    expect(server!.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(server!.requests[0].body.response_format).toEqual({ type: 'json_object' });
    expect(server!.requests[0].body.model).toBe('test-coder-7b');
    expect(promptFunction(server!.requests[0])).toBe(all[0].func);
    expect(counters).toMatchObject({ requests: 1, retries: 0, tokens_total: expect.any(Number) });
    expect(counters.tokens_total).toBe(counters.tokens_prompt + counters.tokens_completion);
    expect(counters.tokens_total).toBeGreaterThan(0);
  });

  it('429 with Retry-After: waits exactly as long as the server says, then succeeds', async () => {
    await scripted((r) => (r.n === 1 ? { kind: 'error', status: 429, retryAfter: '2' } : r.n === 2 ? { kind: 'error', status: 429, retryAfter: 'Thu, 01 Jan 2026 00:00:05 GMT' } : undefined));
    const { records, counters } = await runAll(await provider(), [task(0)]);
    expect(records).toHaveLength(1);
    expect(waits).toEqual([2000, 5000]);
    expect(counters).toMatchObject({ requests: 3, retries: 2, 'errors_http-429': 2 });
  });

  it('500 then success: one retry after a jittered exponential backoff', async () => {
    await scripted((r) => (r.n <= 2 ? { kind: 'error', status: 500 } : undefined));
    const { records, counters } = await runAll(await provider(), [task(0)]);
    expect(records).toHaveLength(1);
    expect(waits).toEqual([50, 100]); // random 0.5 × 100·2^0, 0.5 × 100·2^1
    expect(counters).toMatchObject({ requests: 3, retries: 2, 'errors_http-500': 2 });
  });

  it('an answer that is too slow times out and is retried', async () => {
    await scripted((r) => (r.n === 1 ? { kind: 'hang' } : undefined));
    const { records, counters } = await runAll(await provider({}, { timeoutMs: 300 }), [task(0)]);
    expect(records).toHaveLength(1);
    expect(counters).toMatchObject({ requests: 2, retries: 1, errors_timeout: 1 });
    expect(server!.count).toBe(2);
  });

  it('gives up after maxRetries and records the failure with its reason', async () => {
    await scripted(() => ({ kind: 'error', status: 503 }));
    const { records, failures, tally } = await runAll(await provider({ maxRetries: 2 }), [task(0)]);
    expect(records).toHaveLength(0);
    expect(server!.count).toBe(3);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ reason: 'request-failed', record: { origin_id: task(0).origin.id, sample: 0 } });
    expect(failures[0].detail).toMatch(/http-503 after 3 attempt/);
    expect(tally.failedBy).toEqual({ 'request-failed': 1 });
  });

  it('a 400 is not retried', async () => {
    await scripted(() => ({ kind: 'error', status: 400, message: 'bad model' }));
    const { failures } = await runAll(await provider({ jsonMode: 'off' }), [task(0)]);
    expect(server!.count).toBe(1);
    expect(failures[0].detail).toMatch(/http-400/);
  });

  it('jsonMode auto: a server that refuses response_format gets asked once more without it, and never again with it', async () => {
    server = await startOpenAIServer({ rejectJsonMode: true });
    const { records, counters } = await runAll(await provider({ maxConcurrency: 1 }), tasks(3));
    expect(records).toHaveLength(3);
    expect(server.requests.map((r) => r.body.response_format !== undefined)).toEqual([true, false, false, false]);
    expect(counters).toMatchObject({ json_mode_fallbacks: 1, retries: 0 });
  });

  it('jsonMode auto with requests in flight: every refused request falls back once; nothing fails', async () => {
    server = await startOpenAIServer({ rejectJsonMode: true, latencyMs: 20 });
    const { records, failures, counters } = await runAll(await provider({ maxConcurrency: 4 }), tasks(8));
    expect(failures).toEqual([]);
    expect(records).toHaveLength(8);
    expect(counters).toMatchObject({ json_mode_fallbacks: 1, retries: 0 });
    expect(server.requests.filter((r) => r.body.response_format === undefined)).toHaveLength(8);
    expect(server.requests.filter((r) => r.body.response_format !== undefined).length).toBeGreaterThan(1); // several were in flight
  });

  it('jsonMode on: a refusal is a failure, not a fallback', async () => {
    server = await startOpenAIServer({ rejectJsonMode: true });
    const { failures } = await runAll(await provider({ jsonMode: 'on' }), [task(0)]);
    expect(failures[0]).toMatchObject({ reason: 'request-failed' });
  });

  it('malformed answers: prose around JSON is extracted; the rest is kept with its reason', async () => {
    const func = injectSmallBug(all[0].func);
    const answers: Record<number, Behaviour> = {
      1: { kind: 'answer', content: `Here you go:\n\`\`\`json\n${JSON.stringify({ function: func, bug_type: 'x' })}\n\`\`\`\nThe loop now overruns.` },
      2: { kind: 'answer', content: 'Sorry, I can only describe the bug: the loop bound is wrong.' },
      3: { kind: 'answer', content: '{"bug_type": "off-by-one", "explanation": "forgot the code"}' },
      4: { kind: 'answer', content: JSON.stringify({ function: 'int f(int n) { return n +; ' }) },
      5: { kind: 'answer', content: JSON.stringify({ function: `  ${all[0].func.replace(/\n/g, '\n  ')}` }) },
      6: { kind: 'answer', content: '' },
    };
    await scripted((r) => answers[r.n]);
    // same origin, a different bug type each: six different prompts
    const sameOrigin = Array.from({ length: 6 }, (_, i) => ({ ...task(0), index: i, bugTypes: [BUG_TYPES[i]] }));
    const { records, failures, tally } = await runAll(await provider({ maxConcurrency: 1 }), sameOrigin);
    expect(records.map((r) => r.func)).toEqual([func]);
    expect(failures.map((f) => f.reason)).toEqual(['not-json', 'no-function', 'does-not-parse', 'identical-to-origin', 'empty-answer']);
    expect((failures[0].record as { answer: string }).answer).toContain('Sorry');
    expect(failures[2].detail).toMatch(/syntax issue/);
    expect(tally).toMatchObject({ requested: 6, produced: 1 });
  });

  it('an HTTP body that is not JSON is recorded as a failed request', async () => {
    await scripted(() => ({ kind: 'raw', body: '{"choices": [ {"message": ' }));
    const { failures } = await runAll(await provider({ maxRetries: 0 }), [task(0)]);
    expect(failures).toHaveLength(1);
    expect(failures[0].reason).toBe('request-failed');
  });

  it('the request budget stops the batch cleanly after exactly that many requests', async () => {
    await scripted(() => undefined);
    const { records, failures, counters } = await runAll(await provider({ maxConcurrency: 4 }, { maxRequests: 3 }), tasks(8));
    expect(server!.count).toBe(3);
    expect(records).toHaveLength(3);
    expect(failures.map((f) => f.reason)).toEqual(Array(5).fill('budget-exhausted'));
    expect(failures[0].detail).toMatch(/3\/3 requests/);
    expect(counters.requests).toBe(3);
  });

  it('retries count against the request budget', async () => {
    await scripted((r) => (r.n === 1 ? { kind: 'error', status: 500 } : undefined));
    const { records, failures } = await runAll(await provider({ maxConcurrency: 1 }, { maxRequests: 2 }), tasks(3));
    expect(server!.count).toBe(2);
    expect(records).toHaveLength(1);
    expect(failures.map((f) => f.reason)).toEqual(['budget-exhausted', 'budget-exhausted']);
  });

  it('the token budget stops new requests once spent', async () => {
    await scripted((r) => ({ ...(defaultAnswer(r) as Extract<Behaviour, { kind: 'answer' }>), usage: { prompt_tokens: 20, completion_tokens: 5 } }));
    const { records, counters } = await runAll(await provider({ maxConcurrency: 1 }, { maxTokens: 50 }), tasks(4));
    expect(server!.count).toBe(2);
    expect(records).toHaveLength(2);
    expect(counters).toMatchObject({ tokens_prompt: 40, tokens_completion: 10, tokens_total: 50 });
  });

  it('a rerun is answered from the store cache: the server sees no new request', async () => {
    await scripted(() => undefined);
    const first = await runAll(await provider(), tasks(5));
    expect(server!.count).toBe(5);
    const again = await runAll(await provider(), tasks(5));
    expect(server!.count).toBe(5);
    expect(again.counters).toMatchObject({ cache_hits: 5, requests: 0, tokens_total: 0 });
    expect(again.records).toEqual(first.records);
    // another model, or another pass over the pool (cycle), is a different prompt: not a hit
    await runAll(await provider({ model: 'other-model' }), tasks(1));
    await runAll(await provider(), [{ ...task(0), cycle: 1 }]);
    expect(server!.count).toBe(7);
  });

  it('keeps results in task order at any concurrency', async () => {
    server = await startOpenAIServer({ script: (r) => ({ ...(defaultAnswer(r) as Extract<Behaviour, { kind: 'answer' }>), delayMs: (r.n * 37) % 50 }) });
    const { records } = await runAll(await provider({ maxConcurrency: 8 }), tasks(20));
    expect(records.map((r) => r.id)).toEqual(tasks(20).map((tk) => `syn-${tk.origin.id}-${tk.bugTypes[0]}-${tk.index}`));
  });

  it('never writes the API key to the log, even at debug level with retries', async () => {
    await scripted((r) => (r.n === 1 ? { kind: 'error', status: 429, retryAfter: '1' } : r.n === 2 ? { kind: 'error', status: 401, message: 'bad key' } : undefined));
    const captured = capturingLog();
    const p = await provider({ maxConcurrency: 1 }, { log: captured.log });
    // 401 is a configuration error now (issue 12 #1): the sample throws it instead of failing quietly
    const refused = (await p.generate(task(0)).catch((e: unknown) => e)) as Error;
    expect(refused.message).toContain('HTTP 401');
    expect(captured.text()).toContain('retry 1/3');
    expect(captured.text()).not.toContain(API_KEY);
    expect(refused.message).not.toContain(API_KEY);
    expect(JSON.stringify(refused)).not.toContain(API_KEY);
  });
});

afterAll(async () => {
  await server?.close();
});
