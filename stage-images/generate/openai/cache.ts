// LLM answers kept in the artifact store, keyed by (model, prompt digest): a retried or rerun
// batch reads them back instead of paying for them again. Shared by all runs on the store.
import { digestOf } from '../../../core/stage/manifest.js';
import { cacheKey } from '../../../core/stage/layout.js';
import { NotFoundError, readJson, type ArtifactStore } from '../../../core/store/store.js';

export interface Usage { prompt_tokens: number; completion_tokens: number; total_tokens: number }
export interface CachedAnswer { model: string; content: string; usage: Usage; cachedAt: string }

const hex = (value: unknown): string => digestOf(value).slice('sha256:'.length);

export class ResponseCache {
  private readonly modelDigest: string;

  constructor(private readonly store: ArtifactStore, readonly model: string, private readonly now: () => Date = () => new Date()) {
    this.modelDigest = hex({ model }).slice(0, 32);
  }

  /** The store key for a request (the prompt and every parameter that changes the answer). */
  keyFor(request: unknown): string {
    return cacheKey('llm', this.modelDigest, `${hex(request)}.json`);
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    try {
      const cached = await readJson<CachedAnswer>(this.store, key);
      return typeof cached.content === 'string' ? cached : undefined;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  async put(key: string, content: string, usage: Usage): Promise<void> {
    const entry: CachedAnswer = { model: this.model, content, usage, cachedAt: this.now().toISOString() };
    await this.store.write(key, JSON.stringify(entry) + '\n');
  }
}
