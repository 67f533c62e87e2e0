// Caching across runs (issue 12): a second run with the same inputs reuses the first run's published
// units (copied into its own directory, the manifest naming the run they came from); spec.cache: false,
// a changed config, a deleted source and the run-specific evaluate stage all compute.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateSpec } from '../../../api/v1alpha1/validate.js';
import type { PipelineRunSpec } from '../../../api/v1alpha1/spec.js';
import type { StageDefinition } from '../../../core/stage/definition.js';
import { runPrefix, unitDir, type RunRef } from '../../../core/stage/layout.js';
import { executeStage, readManifest } from '../../../core/stage/runtime.js';
import { LocalStore } from '../../../core/store/local.js';
import { readText } from '../../../core/store/store.js';

const log = pino({ level: 'silent' });
const runA: RunRef = { namespace: 'ml', name: 'first', uid: 'uid-a' };
const runB: RunRef = { namespace: 'ml', name: 'second', uid: 'uid-b' };
const otherNamespace: RunRef = { namespace: 'team-b', name: 'second', uid: 'uid-c' };

function stage(name: 'analyze' | 'evaluate' = 'analyze'): StageDefinition & { runs: number } {
  const def = {
    runs: 0,
    name,
    description: 'test stage',
    version: '1',
    reads: () => [],
    config: (spec: PipelineRunSpec) => ({ limit: spec.dataset.limit }),
    async run(ctx: Parameters<StageDefinition['run']>[0]) {
      def.runs++;
      await ctx.outputs.text('out.txt', `computed by ${ctx.run.name}\n`);
      return { headline: 'done', counts: { rows: 3 } };
    },
  };
  return def;
}

describe('caching across runs', () => {
  let dir: string;
  let store: LocalStore;
  const spec = (extra: Record<string, unknown> = {}): PipelineRunSpec => validateSpec({ dataset: { source: 'demo', limit: 5 }, ...extra });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bugforge-run-cache-'));
    store = new LocalStore(dir);
  });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('a second run with the same inputs copies the first one\'s outputs and says so; the first run is untouched', async () => {
    const def = stage();
    expect((await executeStage(def, { run: runA, spec: spec(), store, log })).status).toBe('succeeded');
    const second = await executeStage(def, { run: runB, spec: spec(), store, log });
    expect(def.runs).toBe(1);
    expect(second.status).toBe('cached');
    expect(second.manifest).toMatchObject({ cachedFrom: 'ml/first', cachedFromUid: 'uid-a' });
    expect(await readText(store, `${unitDir(runB, 'analyze')}/out.txt`)).toBe('computed by first\n');
    expect((await readManifest(store, runB, 'analyze'))?.cachedFrom).toBe('ml/first');
    expect((await readManifest(store, runA, 'analyze'))?.cachedFrom).toBeUndefined();
  });

  it('computes when spec.cache is false, the config differs, the namespace differs, or the source was deleted', async () => {
    const def = stage();
    await executeStage(def, { run: runA, spec: spec(), store, log });
    await executeStage(def, { run: runB, spec: spec({ cache: false }), store, log });
    expect(def.runs).toBe(2);
    await executeStage(def, { run: { ...runB, uid: 'uid-b2' }, spec: spec({ dataset: { source: 'demo', limit: 6 } }), store, log });
    expect(def.runs).toBe(3);
    await executeStage(def, { run: otherNamespace, spec: spec(), store, log });
    expect(def.runs).toBe(4);
    await store.remove([`${runPrefix(runA)}/01-analyze/_manifest.json`]);
    await store.remove([`${runPrefix(runB)}/01-analyze/_manifest.json`]);
    const fresh = await executeStage(def, { run: { ...runB, uid: 'uid-b3' }, spec: spec(), store, log });
    // the index points at the newest publisher (run B's uid-b, now without a manifest): computed, not a broken copy
    expect(fresh.status).toBe('succeeded');
  });

  it('never shares evaluate (its report names its run)', async () => {
    const def = stage('evaluate');
    await executeStage(def, { run: runA, spec: spec(), store, log });
    const second = await executeStage(def, { run: runB, spec: spec(), store, log });
    expect(second.status).toBe('succeeded');
    expect(def.runs).toBe(2);
  });
});
