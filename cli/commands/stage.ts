// `bugforge stage <name>`: runs one stage (unit) in this process. This is what a Kubernetes Job
// runs, and what the local runner spawns for each stage.
import type { StageName } from '../../api/v1alpha1/names.js';
import { loadPipelineRunFile, parsePipelineRun, runRefOf } from '../../core/pipeline-run-file.js';
import { createLogger } from '../../core/log.js';
import { openStore, s3ConnectionFromEnv } from '../../core/store/open.js';
import { executeStage } from '../../core/stage/runtime.js';
import { writeTerminationMessage } from '../../core/stage/termination.js';
import { batchUnit } from '../../core/stage/layout.js';
import { loadStage } from '../../stage-images/registry.js';

export interface StageOptions { file?: string; store: string; s3Endpoint?: string; batch?: string; force?: boolean }

/** Exit code for a problem no retry can fix (bad configuration); the Jobs' podFailurePolicy fails fast on it. */
export const EXIT_CONFIG_ERROR = 2;

export async function stageCommand(name: StageName, opts: StageOptions): Promise<void> {
  const log = createLogger(`bugforge.${name}`);
  const run = opts.file
    ? await loadPipelineRunFile(opts.file)
    : process.env.BUGFORGE_PIPELINERUN
      ? await parsePipelineRun(process.env.BUGFORGE_PIPELINERUN, 'BUGFORGE_PIPELINERUN')
      : undefined;
  if (!run) throw new Error('no PipelineRun given: pass -f <file> or set BUGFORGE_PIPELINERUN');
  const definition = await loadStage(name);
  const units = definition.units?.(run.spec);
  let unit: string | undefined;
  if (units) {
    if (opts.batch === undefined) throw new Error(`stage ${name} runs one batch per process: pass --batch <0..${units.length - 1}>`);
    const k = Number(opts.batch);
    if (!Number.isInteger(k) || k < 0 || k >= units.length) throw new Error(`--batch must be an integer in 0..${units.length - 1}, got ${opts.batch}`);
    unit = batchUnit(k);
  } else if (opts.batch !== undefined) {
    throw new Error(`stage ${name} has no batches; drop --batch`);
  }
  const store = openStore(opts.store, { ...s3ConnectionFromEnv(), ...(opts.s3Endpoint ? { endpoint: opts.s3Endpoint } : {}) });
  const controller = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.warn(`${signal}: stopping; nothing of this attempt will be published`);
      controller.abort(new Error(signal));
      setTimeout(() => process.exit(143), 5000).unref();
    });
  }
  const startedAt = Date.now();
  try {
    const result = await executeStage(definition, { run: runRefOf(run), spec: run.spec, store, unit, force: opts.force, log, signal: controller.signal });
    const m = result.manifest;
    log.info({ stage: name, unit, status: result.status, counts: m.counts, durationMs: Date.now() - startedAt }, `${name}${unit ? ` ${unit}` : ''}: ${m.headline}`);
    writeTerminationMessage({ stage: name, ...(unit ? { unit } : {}), status: result.status, headline: m.headline, counts: m.counts, ...(m.cachedFrom ? { cachedFrom: m.cachedFrom } : {}), ...m.summary });
  } catch (error) {
    const message = (error as Error).message;
    log.error({ err: error }, `${name}${unit ? ` ${unit}` : ''} failed: ${message}`);
    writeTerminationMessage({ stage: name, ...(unit ? { unit } : {}), status: 'failed', headline: message.slice(0, 2000) });
    await new Promise((r) => setTimeout(r, 50)); // let the logger flush
    process.exit((error as { exitCode?: number }).exitCode ?? 1);
  }
}
