// Deterministic records for the data stages (filter, merge) shared by bench/filter-merge.ts and
// the outputs-unchanged test: real C/Python functions from templates (some C ones with what real
// code has and tree-sitter's grammar can't see: a macro qualifier like `av_cold`, a signature
// split by #ifdef/#else/#endif), and synthetic variants of them with the usual defects (an
// operator swapped, copies of the origin, truncated code, fragments, an extra function).
import { mulberry32 as random } from '../../core/random.js';
import type { BugRecord, SplitName } from '../../core/records/record.js';

const WORDS = ['buf', 'len', 'ctx', 'frame', 'pkt', 'data', 'size', 'count', 'state', 'coef', 'ref', 'mode', 'index', 'flags', 'level', 'slice', 'block', 'queue', 'node', 'width'];
const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const name = (rand: () => number) => `${pick(rand, WORDS)}_${pick(rand, WORDS)}${Math.floor(rand() * 100)}`;
const num = (rand: () => number) => Math.floor(rand() * 1000);

/** How a C function's signature is written: plain, with a macro qualifier, or split by #ifdef. */
type Signature = 'plain' | 'macro' | 'ifdef';

function cFunction(rand: () => number, signature: Signature): string {
  const [fn, ctx, n, acc, field, callee] = [name(rand), name(rand), name(rand), name(rand), name(rand), name(rand)];
  const statements = [
    () => `${acc} += ${ctx}->${field}[i] * ${num(rand)};`,
    () => `if (${ctx}->${field}[i] > ${num(rand)})\n            ${acc} -= ${num(rand)};`,
    () => `${ctx}->${field}[i] = (${ctx}->${field}[i] >> ${1 + Math.floor(rand() * 7)}) & 0x${num(rand).toString(16)};`,
    () => `${acc} ^= ${callee}(${ctx}, i + ${num(rand)});`,
    () => `if (${acc} < 0)\n            break;`,
  ];
  const body = Array.from({ length: 3 + Math.floor(rand() * 10) }, () => `        ${pick(rand, statements)()}`).join('\n');
  const head = signature === 'macro' ? `static av_cold int ${fn}(Context *${ctx}, int ${n})\n`
    : signature === 'ifdef' ? `#if HAVE_THREADS\nstatic int ${fn}(Context *${ctx}, int ${n}, int threads)\n#else\nstatic int ${fn}(Context *${ctx}, int ${n})\n#endif\n`
      : `static int ${fn}(Context *${ctx}, int ${n})\n`;
  return `${head}{\n    int i, ${acc} = 0;\n\n    if (!${ctx})\n        return -EINVAL;\n    for (i = 0; i < ${n}; i++) {\n${body}\n    }\n    return ${acc};\n}\n`;
}

function pythonFunction(rand: () => number): string {
  const [fn, items, limit, acc, item, callee] = [name(rand), name(rand), name(rand), name(rand), name(rand), name(rand)];
  const statements = [
    () => `if ${item} > ${num(rand)}:\n            ${acc}.append(${item} * ${num(rand)})`,
    () => `${acc}.append(${callee}(${item}, ${limit}))`,
    () => `${limit} += ${num(rand)}`,
    () => `if len(${acc}) >= ${limit}:\n            break`,
  ];
  const body = Array.from({ length: 2 + Math.floor(rand() * 8) }, () => `        ${pick(rand, statements)()}`).join('\n');
  return `def ${fn}(${items}, ${limit}=${num(rand)}):\n    ${acc} = []\n    for ${item} in ${items}:\n${body}\n    return ${acc}\n`;
}

/** Real row i: 80% C (1 in 25 with a macro qualifier, 1 in 25 with an #ifdef'd signature), 20% Python; splits 80/10/10 by i. */
export function realRecord(i: number): BugRecord {
  const rand = random(i * 7919 + 1);
  const python = rand() < 0.2;
  const split: SplitName = i % 10 < 8 ? 'train' : i % 10 === 8 ? 'validation' : 'test';
  const signature: Signature = i % 25 === 3 ? 'macro' : i % 25 === 17 ? 'ifdef' : 'plain';
  return {
    id: `real-${i}`, func: python ? pythonFunction(rand) : cFunction(rand, signature), label: rand() < 0.45 ? 1 : 0, lang: python ? 'python' : 'c',
    source: 'codexglue', project: rand() < 0.5 ? 'FFmpeg' : 'qemu', commit_id: `c${i}`, split,
  };
}

/** Synthetic sample k, made from one of the first `realCount` real rows. */
export function syntheticRecord(k: number, realCount: number): BugRecord {
  const rand = random(k * 104729 + 3);
  const origin = realRecord(Math.floor(rand() * realCount));
  const roll = rand();
  let func = origin.func;
  let bugType = 'operator-swap';
  if (roll < 0.7) func = swapOneOperator(func, rand);
  else if (roll < 0.78) bugType = 'copy-of-origin';
  else if (roll < 0.83) { func = func.slice(0, Math.floor(func.length * 0.6)); bugType = 'truncated'; }
  else if (roll < 0.87) { func = 'int f(void) { return 0; }'; bugType = 'fragment'; }
  else if (roll < 0.9) { func = `${func}\n${origin.lang === 'c' ? 'static int helper(int x)\n{\n    return x;\n}\n' : 'def helper(x):\n    return x\n'}`; bugType = 'extra-function'; }
  else { func = func.replace(/\d+/, (d) => String(Number(d) + 1)); bugType = 'off-by-one'; }
  return { id: `syn-${k}`, func, label: 1, lang: origin.lang, source: 'synthetic', project: origin.project, origin_id: origin.id, bug_type: bugType, generator: { provider: 'bench' } };
}

const SWAPS: Record<string, string> = { ' < ': ' <= ', ' > ': ' >= ', '+=': '-=', '-=': '+=', ' * ': ' / ', '>>': '<<' };
/** Swaps one operator, picked at random among the function's swappable ones. */
function swapOneOperator(func: string, rand: () => number): string {
  const sites = [...func.matchAll(/ < | > |\+=|-=| \* |>>/g)];
  if (sites.length === 0) return func;
  const site = pick(rand, sites);
  return func.slice(0, site.index) + SWAPS[site[0]] + func.slice(site.index + site[0].length);
}

/** make(i) for i in [from, to). */
export function* range<T>(from: number, to: number, make: (i: number) => T): Generator<T> {
  for (let i = from; i < to; i++) yield make(i);
}
