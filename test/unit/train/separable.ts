// A small separable data set for training tests, made here (seeded): buggy functions copy
// without a bound (strcpy, no length check), clean ones check the length and use strncpy.
// Filler statements drawn from a shared pool make the texts differ without giving the label away.
import type { BugRecord } from '../../../core/records/record.js';
import { seededRandom } from '../../../stage-images/train/random.js';

const FILLER = [
  'int count = 0;', 'ret = read(ctx, data, size);', 'index++;', 'if (err) return err;', 'ptr = data + index;',
  'size = sizeof(struct ctx);', 'while (count < size) count++;', 'free(ptr);', 'data = malloc(size);', 'ctx->len = len;',
];

export function separableRecords(n: number, seed: number, split: 'train' | 'validation' | 'test', opts: { syntheticEvery?: number } = {}): BugRecord[] {
  const random = seededRandom(seed);
  const pick = () => FILLER[Math.floor(random() * FILLER.length)];
  return Array.from({ length: n }, (_, i) => {
    const buggy = random() < 0.4;
    const body = buggy
      ? ['strcpy(dst, src);', 'memcpy(buf, src, strlen(src));']
      : ['if (len >= size) return -1;', 'strncpy(dst, src, len);', 'check_bound(buf, len);'];
    const lines = [pick(), ...body, pick(), pick()];
    const synthetic = opts.syntheticEvery ? i % opts.syntheticEvery === 0 : false;
    return {
      id: `${split}-${i}`,
      func: `static int f${i}(char *dst, const char *src, size_t len) {\n  ${lines.join('\n  ')}\n  return 0;\n}\n`,
      label: buggy ? 1 : 0,
      lang: 'c',
      source: synthetic ? 'synthetic' : 'demo',
      project: 'fixture',
      split,
    } satisfies BugRecord;
  });
}
