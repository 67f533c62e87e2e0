// A spending limit on requests and tokens. Requests are taken before they are sent, so the
// request limit is exact even with many in flight; tokens are known only after an answer, so
// the token limit stops new requests once reached (answers in flight may go a little over).
export class Budget {
  requests = 0;
  tokens = 0;
  constructor(readonly maxRequests?: number, readonly maxTokens?: number) {}

  /** Takes one request from the budget; false when none is left. */
  tryTakeRequest(): boolean {
    if (this.exhausted()) return false;
    this.requests++;
    return true;
  }

  addTokens(n: number): void {
    this.tokens += n;
  }

  exhausted(): boolean {
    return (this.maxRequests !== undefined && this.requests >= this.maxRequests) || (this.maxTokens !== undefined && this.tokens >= this.maxTokens);
  }

  describe(): string {
    const parts = [];
    if (this.maxRequests !== undefined) parts.push(`${this.requests}/${this.maxRequests} requests`);
    if (this.maxTokens !== undefined) parts.push(`${this.tokens}/${this.maxTokens} tokens`);
    return parts.join(', ');
  }
}
