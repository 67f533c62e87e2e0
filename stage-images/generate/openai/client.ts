// Chat completions through the official `openai` client, with our own retries (the client's
// are off: ours are logged, counted, honour Retry-After, and run on an injectable clock),
// a request/token budget, and the JSON-mode fallback for servers that refuse response_format.
import OpenAI from 'openai';
import type { Logger } from 'pino';
import type { Budget } from './budget.js';
import type { Usage } from './cache.js';
import type { ChatMessage } from './prompt.js';
import { AUTH_STATUSES, backoffDelay, classifyError, retryAfterMs, type RetryPolicy } from './retry.js';

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

  async complete(messages: ChatMessage[]): Promise<ChatAnswer> {
    const o = this.options;
    for (let attempt = 0; ; attempt++) {
      if (this.fatal) throw this.fatal;
      if (!(await o.budget.tryTakeRequest())) throw new BudgetExhaustedError(o.budget.describe());
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
        if (o.signal?.aborted) throw error;
        const c = classifyError(error);
        this.counters.errors[c.kind] = (this.counters.errors[c.kind] ?? 0) + 1;
        if (c.status !== undefined && AUTH_STATUSES.has(c.status)) {
          this.fatal ??= new ProviderAuthError(c.status, o.baseURL, providerMessage(error));
          throw this.fatal;
        }
        if (c.status === 400 && withJson && o.jsonMode === 'auto') {
          // Requests already in flight with JSON mode get the same 400: each asks again without it, once.
          if (this.jsonMode) {
            this.jsonMode = false;
            this.counters.json_mode_fallbacks++;
            o.log.warn({ status: 400 }, 'the server refused response_format json_object: asking without JSON mode from now on (jsonMode: auto)');
          }
          attempt--; // the fallback is not a retry
          continue;
        }
        if (!c.retryable || attempt >= o.maxRetries) {
          throw new RequestFailedError(c.kind, `${c.kind} after ${attempt + 1} attempt(s): ${(error as Error).message}`.slice(0, 500));
        }
        const hinted = retryAfterMs(c.headers, o.now(), MAX_RETRY_AFTER_MS);
        const wait = hinted ?? backoffDelay(attempt, o.retry, o.random);
        this.counters.retries++;
        o.log.warn({ attempt: attempt + 1, kind: c.kind, waitMs: wait, retryAfter: hinted !== undefined }, `chat request failed (${c.kind}); retry ${attempt + 1}/${o.maxRetries} in ${wait} ms`);
        await o.sleep(wait, o.signal);
      }
    }
  }
}
