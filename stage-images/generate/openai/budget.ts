// A spending limit on requests and tokens. Requests are taken before they are sent, so the
// request limit is exact even with many in flight; tokens are known only after an answer, so
// the token limit stops new requests once reached (answers in flight may go a little over).
//
// With a ledger (the store), what was spent outlives the Pod: requests are reserved in small chunks
// that are written down *before* they are used, so a Pod retried after a crash starts from what its
// predecessors reserved, and the limit holds over every attempt (a crash can only leave part of a
// chunk unused, never let the batch spend more).
import type { ArtifactStore } from '../../../core/store/store.js';
import { NotFoundError, readJson } from '../../../core/store/store.js';

export interface Spent { requests: number; tokens: number }

export interface BudgetLedger {
  load(): Promise<Spent>;
  save(spent: Spent): Promise<void>;
}

/** Requests reserved per ledger write: a crash can waste at most this many of the budget. */
export const RESERVE_CHUNK = 8;

export class Budget {
  /** Requests taken (sent or about to be) by this process. */
  requests = 0;
  tokens = 0;
  /** From the ledger: what earlier attempts spent (requests reserved, tokens used). */
  private before: Spent = { requests: 0, tokens: 0 };
  private reserved = 0;
  private loaded = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly maxRequests?: number, readonly maxTokens?: number, private readonly ledger?: BudgetLedger) {}

  /** Takes one request from the budget; false when none is left. */
  tryTakeRequest(): Promise<boolean> {
    const take = this.queue.then(() => this.take());
    this.queue = take.catch(() => undefined);
    return take;
  }

  addTokens(n: number): void {
    this.tokens += n;
  }

  exhausted(): boolean {
    return (this.maxRequests !== undefined && this.before.requests + this.requests >= this.maxRequests) || this.tokensSpent();
  }

  /** Writes down the tokens used (the stage calls it when the batch ends). */
  async flush(): Promise<void> {
    if (this.ledger && this.loaded) await this.ledger.save({ requests: this.before.requests + Math.max(this.reserved, this.requests), tokens: this.before.tokens + this.tokens });
  }

  describe(): string {
    const parts = [];
    const spentBefore = this.before.requests ? ` (${this.before.requests} by earlier attempts)` : '';
    if (this.maxRequests !== undefined) parts.push(`${this.before.requests + this.requests}/${this.maxRequests} requests${spentBefore}`);
    if (this.maxTokens !== undefined) parts.push(`${this.before.tokens + this.tokens}/${this.maxTokens} tokens`);
    return parts.join(', ');
  }

  private async take(): Promise<boolean> {
    if (this.ledger && !this.loaded) {
      this.before = await this.ledger.load();
      this.loaded = true;
    }
    if (this.tokensSpent()) return false;
    if (this.maxRequests !== undefined) {
      if (!this.ledger && this.requests >= this.maxRequests) return false;
      if (this.ledger && this.requests >= this.reserved) {
        const left = this.maxRequests - this.before.requests - this.reserved;
        if (left <= 0) return false;
        this.reserved += Math.min(RESERVE_CHUNK, left);
        await this.ledger.save({ requests: this.before.requests + this.reserved, tokens: this.before.tokens + this.tokens });
      }
    }
    this.requests++;
    return true;
  }

  private tokensSpent(): boolean {
    return this.maxTokens !== undefined && this.before.tokens + this.tokens >= this.maxTokens;
  }
}

/** The ledger of one generation batch in the run's store: <run>/_ledger/openai-budget/<batch>.json. */
export function storeLedger(store: ArtifactStore, key: string): BudgetLedger {
  return {
    async load() {
      try {
        const spent = await readJson<Spent>(store, key);
        return { requests: Number(spent.requests) || 0, tokens: Number(spent.tokens) || 0 };
      } catch (error) {
        if (error instanceof NotFoundError) return { requests: 0, tokens: 0 };
        throw error;
      }
    },
    async save(spent) {
      await store.write(key, JSON.stringify(spent) + '\n');
    },
  };
}
