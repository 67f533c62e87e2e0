// Pair-wise evaluation, as in the PrimeVul benchmark: when a buggy function and its clean twin are
// both in the test split, a detector that sees the bug flags the buggy one and not the clean one;
// one that sees only the style of the code gives both the same answer. Twins are a data set's own
// pairs (a `pair` column, or one buggy and one clean row sharing a commit_id) and, failing that, a
// synthetic sample with the real function it was made from.

/** What pairing needs of a test row. */
export interface PairingRow { id: string; label: 0 | 1; synthetic: boolean; pair?: string; commitId?: string; originId?: string }

export interface Pair { key: string; buggy: number; clean: number }

/** Each row in at most one pair; `pairOf[i]` is row i's pair key (undefined: unpaired). */
export function assignPairs(rows: readonly PairingRow[]): { pairs: Pair[]; pairOf: (string | undefined)[] } {
  const pairOf: (string | undefined)[] = new Array(rows.length).fill(undefined);
  const pairs: Pair[] = [];
  const groups = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const key = r.synthetic ? undefined : r.pair !== undefined ? `pair:${r.pair}` : r.commitId !== undefined ? `commit:${r.commitId}` : undefined;
    if (key) groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  for (const [key, members] of groups) {
    const buggy = members.filter((i) => rows[i].label === 1), clean = members.filter((i) => rows[i].label === 0);
    if (buggy.length !== 1 || clean.length !== 1) continue;
    pairs.push({ key, buggy: buggy[0], clean: clean[0] });
    pairOf[buggy[0]] = pairOf[clean[0]] = key;
  }
  const indexOfId = new Map(rows.map((r, i) => [r.id, i]));
  rows.forEach((r, i) => {
    if (!r.synthetic || r.label !== 1 || r.originId === undefined || pairOf[i]) return;
    const origin = indexOfId.get(r.originId);
    if (origin === undefined || pairOf[origin] || rows[origin].label !== 0) return;
    const key = `origin:${r.originId}`;
    pairs.push({ key, buggy: i, clean: origin });
    pairOf[i] = pairOf[origin] = key;
  });
  return { pairs, pairOf };
}

export interface PairMetrics {
  pairs: number;
  /** buggy twin flagged, clean twin not */
  pairCorrect: number;
  bothBuggy: number;
  bothClean: number;
  /** clean twin flagged, buggy twin not */
  reversed: number;
  /** share of pairs where the buggy twin scores higher (ties count half) */
  buggyScoresHigher: number;
}

/** Rates over the pairs, each pair weighted by `weights[p]` (1 when absent; the bootstrap passes draw counts). */
export function pairMetrics(pairs: readonly Pair[], scores: ArrayLike<number>, decisions: ArrayLike<number>, weights?: ArrayLike<number>): PairMetrics | undefined {
  let total = 0, correct = 0, bothBuggy = 0, bothClean = 0, reversed = 0, higher = 0;
  pairs.forEach((p, k) => {
    const w = weights ? weights[k] : 1;
    if (w === 0) return;
    total += w;
    const b = decisions[p.buggy], c = decisions[p.clean];
    if (b && !c) correct += w;
    else if (b && c) bothBuggy += w;
    else if (!b && !c) bothClean += w;
    else reversed += w;
    higher += w * (scores[p.buggy] > scores[p.clean] ? 1 : scores[p.buggy] === scores[p.clean] ? 0.5 : 0);
  });
  if (total === 0) return undefined;
  return { pairs: weights ? total : pairs.length, pairCorrect: correct / total, bothBuggy: bothBuggy / total, bothClean: bothClean / total, reversed: reversed / total, buggyScoresHigher: higher / total };
}
