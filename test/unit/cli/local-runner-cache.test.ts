// `bugforge run --local` decides up-to-date units itself: a stage whose outputs were published
// from the same inputs costs no process. The proof: a stage command that would fail if started.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineRun } from '../../../api/v1alpha1/resource.js';
import { validatePipelineRun } from '../../../api/v1alpha1/validate.js';
import { runRefOf } from '../../../core/pipeline-run-file.js';
import { executeStage } from '../../../core/stage/runtime.js';
import { LocalStore } from '../../../core/store/local.js';
import { plainDisplay } from '../../../operator/local/display.js';
import { runLocal } from '../../../operator/local/runner.js';
import { isStageAvailable, loadStage } from '../../../stage-images/registry.js';

let work: string;
let store: LocalStore;
let dataFile: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bugforge-runner-'));
  store = new LocalStore(join(work, 'store'));
  dataFile = join(work, 'functions.jsonl');
  await writeFile(dataFile, ['int one(void)\n{\n    return 1;\n}\n', 'int two(void)\n{\n    return 2;\n}\n'].map((func, i) => JSON.stringify({ func, target: i % 2 })).join('\n') + '\n');
});
afterAll(() => rm(work, { recursive: true, force: true }));

const runOf = (limit: number): PipelineRun => validatePipelineRun({ apiVersion: 'bugforge.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: 'cached' }, spec: { dataset: { source: 'uri', uri: dataFile, limit } } });

const runWithFailingStages = (run: PipelineRun) => runLocal({
  run, storeUri: store.root, env: {}, logDir: join(work, 'logs'), only: 'analyze', isAvailable: isStageAvailable,
  bugforgeCommand: [process.execPath, '-e', 'process.exit(9)'], // any stage process started fails
  upToDate: { loadStage, store },
  display: plainDisplay(() => undefined),
});

describe('run --local: up-to-date stages without a process', () => {
  it('reports a published, up-to-date stage as cached without starting it', async () => {
    const run = runOf(0);
    await executeStage(await loadStage('analyze'), { run: runRefOf(run), spec: run.spec, store, log: pino({ level: 'silent' }) });
    const result = await runWithFailingStages(run);
    expect(result.ok).toBe(true);
    const [unit] = result.stages[0].units;
    expect(unit).toMatchObject({ stage: 'analyze', ok: true, exitCode: 0, summary: { status: 'cached', headline: '2 functions (50.0% buggy) · 1 split · 0 malformed' } });
    expect(await readFile(unit.logFile, 'utf8')).toMatch(/up to date .* without a process/);
  });

  it('starts the stage when its inputs changed (here: the spec)', async () => {
    const result = await runWithFailingStages(runOf(1));
    expect(result.ok).toBe(false);
    expect(result.stages[0].units[0]).toMatchObject({ stage: 'analyze', ok: false, exitCode: 9 });
  });
});
