// Encoder features cached in the artifact store, shared by runs and stages:
//   cache/features/<encoder sha256>/<pooling>-<maxLength>/<chunk sha256>.bin
// Each chunk holds up to CHUNK_ROWS vectors (not one object per text): a small header
// {dim, digests} and the float32 rows. A lookup streams the chunks one at a time and keeps only
// the vectors asked for. Chunks are named by their content, so concurrent writers never clash.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { cacheKey } from '../../core/stage/layout.js';
import type { ArtifactStore } from '../../core/store/store.js';

export const CHUNK_ROWS = 4096;
const MAGIC = Buffer.from('BFFEAT1\n');

export const textDigest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);

export interface FeatureChunk { dim: number; digests: string[]; data: Float32Array }

export function encodeChunk(dim: number, entries: readonly [string, Float32Array][]): Buffer {
  const header = Buffer.from(JSON.stringify({ dim, digests: entries.map(([d]) => d) }));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  const data = new Float32Array(entries.length * dim);
  entries.forEach(([, v], i) => {
    if (v.length !== dim) throw new Error(`cached vector has ${v.length} values, expected ${dim}`);
    data.set(v, i * dim);
  });
  return Buffer.concat([MAGIC, length, header, Buffer.from(data.buffer)]);
}

export function decodeChunk(buf: Buffer): FeatureChunk {
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a bugforge feature chunk');
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  const { dim, digests } = JSON.parse(buf.subarray(start, start + headerLength).toString('utf8')) as { dim: number; digests: string[] };
  const body = buf.subarray(start + headerLength);
  if (body.length !== digests.length * dim * 4) throw new Error(`chunk body has ${body.length} bytes, expected ${digests.length * dim * 4}`);
  const data = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length));
  return { dim, digests, data };
}

export class FeatureCache {
  readonly prefix: string;
  private pending: [string, Float32Array][] = [];
  written = 0;

  constructor(private readonly store: ArtifactStore, encoderDigest: string, variant: string, private readonly log?: Logger) {
    this.prefix = cacheKey('features', encoderDigest, variant);
  }

  /** The cached vectors among `wanted` (digest → vector). Unreadable chunks are skipped with a warning. */
  async lookup(wanted: ReadonlySet<string>): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    if (wanted.size === 0) return found;
    for await (const object of this.store.list(this.prefix + '/')) {
      if (!object.key.endsWith('.bin')) continue;
      let chunk: FeatureChunk;
      try {
        const parts: Buffer[] = [];
        for await (const c of await this.store.read(object.key)) parts.push(Buffer.from(c));
        chunk = decodeChunk(Buffer.concat(parts));
      } catch (error) {
        this.log?.warn({ chunk: this.store.uriOf(object.key), err: (error as Error).message }, 'feature cache chunk unreadable; ignoring it (its rows are encoded again)');
        continue;
      }
      chunk.digests.forEach((d, i) => {
        if (wanted.has(d) && !found.has(d)) found.set(d, chunk.data.slice(i * chunk.dim, (i + 1) * chunk.dim));
      });
      if (found.size === wanted.size) break;
    }
    return found;
  }

  /** Queues a new vector; full chunks are written as they fill. */
  async add(digest: string, vector: Float32Array): Promise<void> {
    this.pending.push([digest, vector]);
    if (this.pending.length >= CHUNK_ROWS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const dim = this.pending[0][1].length;
    const body = encodeChunk(dim, this.pending);
    const name = createHash('sha256').update(body).digest('hex').slice(0, 32);
    await this.store.write(`${this.prefix}/${name}.bin`, body);
    this.written += this.pending.length;
    this.pending = [];
  }
}
