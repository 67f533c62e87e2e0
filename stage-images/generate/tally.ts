// Counts of one batch and the outcome (headline, counts, summary) they make.
import type { StageOutcome } from '../../core/stage/definition.js';
import type { FailureReason, SampleResult } from './sample.js';

export class Tally {
  requested = 0;
  produced = 0;
  fallbackBugType = 0;
  readonly failedBy: Partial<Record<FailureReason, number>> = {};
  readonly producedBy: Record<string, number> = {};

  add(result: SampleResult): void {
    this.requested++;
    if (result.ok) {
      this.produced++;
      if (result.usedFallbackType) this.fallbackBugType++;
      const type = String(result.record.bug_type);
      this.producedBy[type] = (this.producedBy[type] ?? 0) + 1;
    } else {
      this.failedBy[result.failure.reason] = (this.failedBy[result.failure.reason] ?? 0) + 1;
    }
  }

  get failed(): number {
    return this.requested - this.produced;
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
