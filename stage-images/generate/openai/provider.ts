// Provider `openai`: any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama,
// llama.cpp server). One request per sample, answers cached in the store, unusable ones kept.
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { OpenAISpec } from '../../../api/v1alpha1/spec.js';
import { loadCodeParser } from '../../../core/code/parse.js';
import type { ArtifactStore } from '../../../core/store/store.js';
import { changedLineSpan } from '../mutation/edit.js';
import { syntheticRecord, type GenerationFailure, type Provider, type SampleResult, type SampleTask } from '../sample.js';
import { Budget, type BudgetLedger } from './budget.js';
import { ResponseCache } from './cache.js';
import { BudgetExhaustedError, ChatClient, RequestFailedError } from './client.js';
import { extractAnswer } from './extract.js';
import { bugPrompt } from './prompt.js';
import type { RetryPolicy } from './retry.js';

export interface OpenAIProviderOptions {
  config: OpenAISpec;
  apiKey: string | undefined;
  store: ArtifactStore;
  log: Logger;
  /** This batch's share of the run budget (undefined: unlimited). */
  maxRequests?: number;
  maxTokens?: number;
  /** Where the batch's spending is written down, so a retried Pod goes on from it (undefined: in memory only). */
  ledger?: BudgetLedger;
  signal?: AbortSignal;
  /** Test and bench hooks: clock, sleep, randomness, timeouts and backoff in milliseconds. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  timeoutMs?: number;
  retry?: RetryPolicy;
}

const ANSWER_KEPT = 2000;
const normalised = (code: string): string => code.replace(/\s+/g, ' ').trim();

export async function createOpenAIProvider(options: OpenAIProviderOptions): Promise<Provider> {
  const { config, store, log } = options;
  const parser = await loadCodeParser();
  if (!options.apiKey) log.warn('OPENAI_API_KEY is not set: sending requests without a key (fine for a local vLLM/Ollama; set it from a Secret otherwise)');
  const budget = new Budget(options.maxRequests, options.maxTokens, options.ledger);
  const cache = new ResponseCache(store, config.model);
  const client = new ChatClient({
    baseURL: config.baseURL, model: config.model, apiKey: options.apiKey || 'not-set',
    temperature: config.temperature, maxTokens: config.maxTokens, timeoutMs: options.timeoutMs ?? config.timeoutSeconds * 1000,
    maxRetries: config.maxRetries, jsonMode: config.jsonMode, retry: options.retry ?? { baseDelayMs: 1000, maxDelayMs: 60_000 },
    budget, log, signal: options.signal,
    sleep: options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal })),
    now: options.now ?? Date.now, random: options.random ?? Math.random,
  });
  const tokens = { prompt: 0, completion: 0, total: 0 };
  let cacheHits = 0;

  const fail = (task: SampleTask, failure: GenerationFailure): SampleResult => ({ ok: false, task, failure });

  async function answerFor(task: SampleTask): Promise<{ content: string } | GenerationFailure> {
    const bugType = task.bugTypes[0];
    const messages = bugPrompt(task.origin.func, task.origin.lang, bugType);
    const key = cache.keyFor({ messages, temperature: config.temperature, max_tokens: config.maxTokens, variant: task.cycle });
    const cached = await cache.get(key);
    if (cached) {
      cacheHits++;
      return { content: cached.content };
    }
    try {
      const answer = await client.complete(messages);
      tokens.prompt += answer.usage.prompt_tokens;
      tokens.completion += answer.usage.completion_tokens;
      tokens.total += answer.usage.total_tokens;
      await cache.put(key, answer.content, answer.usage);
      return { content: answer.content };
    } catch (error) {
      if (error instanceof BudgetExhaustedError) return { reason: 'budget-exhausted', detail: error.message };
      if (error instanceof RequestFailedError) return { reason: 'request-failed', detail: error.message };
      throw error;
    }
  }

  return {
    name: 'openai',
    concurrency: config.maxConcurrency,
    async generate(task) {
      const bugType = task.bugTypes[0];
      const got = await answerFor(task);
      if ('reason' in got) return fail(task, got);
      const answer = got.content.slice(0, ANSWER_KEPT);
      if (got.content.trim() === '') return fail(task, { reason: 'empty-answer', detail: 'the model answered with no content' });
      const extracted = extractAnswer(got.content);
      if (!extracted.ok) return fail(task, { reason: extracted.reason, detail: extracted.detail, answer });
      const func = extracted.answer.function;
      const { lang } = task.origin;
      const before = parser.parse(task.origin.func, lang, { maxIssues: 0 }).errorCount;
      const after = parser.parse(func, lang, { maxIssues: 1 });
      if (after.errorCount > before) {
        const first = after.errors[0];
        return fail(task, { reason: 'does-not-parse', detail: `${after.errorCount} syntax issue(s)${first ? `, first at line ${first.line}: ${first.text}` : ''}`, answer });
      }
      if (normalised(func) === normalised(task.origin.func)) return fail(task, { reason: 'identical-to-origin', detail: 'the answer is the origin function (up to whitespace)', answer });
      const generator = { provider: 'openai', model: config.model, ...(extracted.answer.explanation ? { explanation: extracted.answer.explanation } : {}) };
      return { ok: true, usedFallbackType: false, record: syntheticRecord(task, bugType, func, changedLineSpan(task.origin.func, func), generator) };
    },
    close: () => budget.flush(),
    counters: () => ({
      requests: client.counters.requests,
      retries: client.counters.retries,
      cache_hits: cacheHits,
      json_mode_fallbacks: client.counters.json_mode_fallbacks,
      tokens_prompt: tokens.prompt,
      tokens_completion: tokens.completion,
      tokens_total: tokens.total,
      ...Object.fromEntries(Object.entries(client.counters.errors).map(([k, v]) => [`errors_${k}`, v])),
    }),
  };
}
