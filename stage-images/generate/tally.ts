// Counts of one batch and the outcome (headline, counts, summary) they make.
import type { StageOutcome } from '../../core/stage/definition.js';
import { PROVIDER_FAILURES, type FailureReason, type SampleResult } from './sample.js';

export class Tally {
  requested = 0;
  produced = 0;
  fallbackBugType = 0;
  readonly failedBy: Partial<Record<FailureReason, number>> = {};
  readonly producedBy: Record<string, number> = {};
  /** The first provider failure's detail (e.g. "http-503 after 6 attempt(s): …"), for the failure message. */
  firstProviderFailure?: string;

  add(result: SampleResult): void {
    this.requested++;
    if (result.ok) {
      this.produced++;
      if (result.usedFallbackType) this.fallbackBugType++;
      const type = String(result.record.bug_type);
      this.producedBy[type] = (this.producedBy[type] ?? 0) + 1;
    } else {
      this.failedBy[result.failure.reason] = (this.failedBy[result.failure.reason] ?? 0) + 1;
      if (PROVIDER_FAILURES.includes(result.failure.reason)) this.firstProviderFailure ??= `${result.failure.reason}: ${result.failure.detail ?? ''}`.slice(0, 500);
    }
  }

  get failed(): number {
    return this.requested - this.produced;
  }

  /** Failures that count against generation.maxFailureRate (PROVIDER_FAILURES). */
  get providerFailures(): number {
    return PROVIDER_FAILURES.reduce((n, reason) => n + (this.failedBy[reason] ?? 0), 0);
  }

  /** Why the batch must fail rather than publish: more provider failures than `maxRate` allows. */
  failureRateProblem(unit: string, maxRate: number): string | undefined {
    if (this.requested === 0 || maxRate >= 1 || this.providerFailures / this.requested <= maxRate) return undefined;
    const reasons = Object.entries(this.failedBy).sort(([, a], [, b]) => b - a).map(([r, n]) => `${n} ${r}`).join(', ');
    return `${unit}: ${this.providerFailures} of ${this.requested} samples failed (${reasons}), more than generation.maxFailureRate ${Math.round(maxRate * 100)}%${this.firstProviderFailure ? `; first: ${this.firstProviderFailure}` : ''}`;
  }
}

export interface OutcomeInput { unit: string; provider: string; model?: string; poolSize: number; tally: Tally; providerCounters: Record<string, number> }

const fmt = (n: number): string => n.toLocaleString('en-US');

export function batchOutcome({ unit, provider, model, poolSize, tally, providerCounters }: OutcomeInput): StageOutcome {
  const reasons = Object.entries(tally.failedBy).sort(([, a], [, b]) => b - a);
  const failedText = tally.failed > 0 ? ` (${fmt(tally.failed)} failed: ${reasons.map(([r, n]) => `${fmt(n)} ${r}`).join(', ')})` : '';
  const c = providerCounters;
  const llmText = provider === 'openai'
    ? `; ${fmt(c.requests ?? 0)} requests, ${fmt(c.retries ?? 0)} retries, ${fmt(c.cache_hits ?? 0)} cache hits, ${fmt(c.tokens_total ?? 0)} tokens`
    : '';
  const counts: Record<string, number> = {
    requested: tally.requested,
    produced: tally.produced,
    failed: tally.failed,
    provider_failures: tally.providerFailures,
    pool_size: poolSize,
    fallback_bug_type: tally.fallbackBugType,
    ...Object.fromEntries(reasons.map(([r, n]) => [`failed_${r}`, n])),
    ...providerCounters,
  };
  return {
    headline: `${fmt(tally.produced)}/${fmt(tally.requested)} synthetic samples by ${provider}${failedText}${llmText}`,
    counts,
    summary: {
      unit,
      provider,
      ...(model ? { model } : {}),
      failedByReason: Object.fromEntries(reasons),
      producedByBugType: tally.producedBy,
      ...(provider === 'openai' ? { tokens: { prompt: c.tokens_prompt ?? 0, completion: c.tokens_completion ?? 0, total: c.tokens_total ?? 0 } } : {}),
    },
  };
}
