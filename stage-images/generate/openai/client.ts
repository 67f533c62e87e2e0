// Chat completions through the official `openai` client, with our own retries (the client's
// are off: ours are logged, counted, honour Retry-After, and run on an injectable clock),
// a request/token budget, and the JSON-mode fallback for servers that refuse response_format.
import OpenAI from 'openai';
import type { Logger } from 'pino';
import type { Budget } from './budget.js';
import type { Usage } from './cache.js';
import type { ChatMessage } from './prompt.js';
import { retryAfterMs, RetriesExhaustedError, withRetry, type Failure } from '../../../core/retry.js';
import { AUTH_STATUSES, classifyError, type RetryPolicy } from './retry.js';

/** Marks on an attempt's error: whether it asked for JSON mode (for the 400 fallback). */
const WITH_JSON = Symbol('withJson');
/** Failure reasons that are ours, not the endpoint's (not counted as errors). */
const BUDGET = 'budget-exhausted';
const FATAL = 'refused-before';

export interface ChatClientOptions {
  baseURL: string;
  model: string;
  /** From the environment (a Secret in Kubernetes); sent as a Bearer token, never logged. */
  apiKey: string;
  temperature: number;
  maxTokens: number;
  timeoutMs: number;
  maxRetries: number;
  jsonMode: 'auto' | 'on' | 'off';
  retry: RetryPolicy;
  budget: Budget;
  log: Logger;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  now(): number;
  random(): number;
  signal?: AbortSignal;
}

/** A Retry-After longer than this is cut to it, so a Job never sleeps for hours. */
const MAX_RETRY_AFTER_MS = 15 * 60_000;

export interface ChatAnswer { content: string; usage: Usage }

export class BudgetExhaustedError extends Error {
  constructor(detail: string) {
    super(`budget exhausted (${detail})`);
    this.name = 'BudgetExhaustedError';
  }
}

export class RequestFailedError extends Error {
  constructor(readonly kind: string, message: string) {
    super(message);
    this.name = 'RequestFailedError';
  }
}

/**
 * The endpoint refused the key (401) or its rights (403): a configuration error. The stage exits
 * with EXIT_CONFIG_ERROR (the Job's podFailurePolicy fails it at once) and the provider's own
 * message reaches the run's status through the termination message.
 */
export class ProviderAuthError extends Error {
  readonly exitCode = 2;
  constructor(readonly status: number, baseURL: string, providerMessage: string) {
    super(`the LLM endpoint ${baseURL} refused the request with HTTP ${status} (${status === 401 ? 'the API key is missing or wrong' : 'the key lacks permission for this model'}): ${providerMessage} — check generation.openai.apiKeySecret and generation.openai.model`);
    this.name = 'ProviderAuthError';
  }
}

/** The provider's own words from an APIError ("Incorrect API key provided: sk-…"), without our wrapping. */
const providerMessage = (error: unknown): string => {
  const e = error as { error?: { message?: string }; message?: string };
  return (e.error?.message ?? e.message ?? String(error)).replace(/\s+/g, ' ').slice(0, 400);
};

export interface ChatCounters { requests: number; retries: number; json_mode_fallbacks: number; errors: Record<string, number> }

export class ChatClient {
  readonly counters: ChatCounters = { requests: 0, retries: 0, json_mode_fallbacks: 0, errors: {} };
  private readonly client: OpenAI;
  private jsonMode: boolean;
  /** Set by the first authentication/permission error: every later request fails with it, unsent. */
  private fatal?: ProviderAuthError;

  constructor(private readonly options: ChatClientOptions) {
    this.client = new OpenAI({ baseURL: options.baseURL, apiKey: options.apiKey, maxRetries: 0, timeout: options.timeoutMs, logLevel: 'off' });
    this.jsonMode = options.jsonMode !== 'off';
  }

  /**
   * One chat completion through the shared retry policy (core/retry.ts on p-retry): Retry-After
   * honoured (capped), else jittered exponential backoff; each failure counted by its reason; a 400
   * to JSON mode asks once more without it (not a retry); 401/403 end this and every later request.
   */
  async complete(messages: ChatMessage[]): Promise<ChatAnswer> {
    const o = this.options;
    let attempts = 0;
    try {
      return await withRetry(async () => {
        if (this.fatal) throw this.fatal;
        if (!(await o.budget.tryTakeRequest())) throw new BudgetExhaustedError(o.budget.describe());
        attempts++;
        this.counters.requests++;
        const withJson = this.jsonMode;
        try {
          const response = await this.client.chat.completions.create(
            {
              model: o.model, messages, temperature: o.temperature, max_tokens: o.maxTokens,
              ...(withJson ? { response_format: { type: 'json_object' as const } } : {}),
            },
            { signal: o.signal },
          );
          const usage: Usage = {
            prompt_tokens: response.usage?.prompt_tokens ?? 0,
            completion_tokens: response.usage?.completion_tokens ?? 0,
            total_tokens: response.usage?.total_tokens ?? (response.usage ? response.usage.prompt_tokens + response.usage.completion_tokens : 0),
          };
          o.budget.addTokens(usage.total_tokens);
          return { content: response.choices?.[0]?.message?.content ?? '', usage };
        } catch (error) {
          throw Object.assign(error as Error, { [WITH_JSON]: withJson });
        }
      }, {
        retries: o.maxRetries,
        backoff: o.retry,
        classify: (error) => this.classify(error),
        onFailure: (failure) => {
          if (failure.reason === BUDGET || failure.reason === FATAL) return;
          this.counters.errors[failure.reason] = (this.counters.errors[failure.reason] ?? 0) + 1;
        },
        onRetry: (r) => {
          this.counters.retries++;
          o.log.warn({ attempt: r.retry, kind: r.reason, waitMs: r.waitMs, retryAfter: r.retryAfter }, `chat request failed (${r.reason}); retry ${r.retry}/${r.retries} in ${r.waitMs} ms`);
        },
        maxRetryAfterMs: MAX_RETRY_AFTER_MS,
        signal: o.signal,
        sleep: o.sleep,
        random: o.random,
      });
    } catch (error) {
      if (o.signal?.aborted || error instanceof BudgetExhaustedError || error instanceof ProviderAuthError) throw error;
      if (this.fatal) throw this.fatal; // this request's own 401/403
      if (error instanceof RetriesExhaustedError) throw new RequestFailedError(error.reason, error.message.slice(0, 500));
      const c = classifyError(error);
      throw new RequestFailedError(c.kind, `${c.kind} after ${attempts} attempt(s): ${(error as Error).message}`.slice(0, 500));
    }
  }

  private classify(error: Error): Failure {
    const o = this.options;
    if (error instanceof BudgetExhaustedError) return { reason: BUDGET, retryable: false };
    if (error instanceof ProviderAuthError) return { reason: FATAL, retryable: false };
    const c = classifyError(error);
    if (c.status !== undefined && AUTH_STATUSES.has(c.status)) {
      this.fatal ??= new ProviderAuthError(c.status, o.baseURL, providerMessage(error));
      return { reason: c.kind, retryable: false };
    }
    if (c.status === 400 && (error as { [WITH_JSON]?: boolean })[WITH_JSON] && o.jsonMode === 'auto') {
      // Requests already in flight with JSON mode get the same 400: each asks again without it, once.
      if (this.jsonMode) {
        this.jsonMode = false;
        this.counters.json_mode_fallbacks++;
        o.log.warn({ status: 400 }, 'the server refused response_format json_object: asking without JSON mode from now on (jsonMode: auto)');
      }
      return { reason: c.kind, retryable: true, consumesRetry: false };
    }
    return { reason: c.kind, retryable: c.retryable, retryAfterMs: retryAfterMs(c.headers, o.now(), MAX_RETRY_AFTER_MS) };
  }
}
