// `bugforge run --local -f run.yaml`: the whole pipeline on this machine.
import { relative } from 'node:path';
import type { StageName } from '../../api/v1alpha1/names.js';
import { loadPipelineRunFile } from '../../core/pipeline-run-file.js';
import { runLocal, defaultLogDir, type LocalRunResult } from '../../operator/local/runner.js';
import { describeDecision, plainDisplay, terminalDisplay } from '../../operator/local/display.js';
import { isStageAvailable, loadStage } from '../../stage-images/registry.js';
import { openStore, s3ConnectionFromEnv } from '../../core/store/open.js';
import { stageDir } from '../../core/stage/layout.js';

export interface RunOptions {
  file: string;
  local?: boolean;
  store: string;
  s3Endpoint?: string;
  force?: boolean;
  fromStage?: StageName;
  only?: StageName;
  progress: boolean;
}

export async function runCommand(opts: RunOptions): Promise<void> {
  if (!opts.local) {
    throw new Error('without a cluster use --local; with one, install the operator (helm install bugforge charts/bugforge) and `kubectl apply -f ' + opts.file + '`');
  }
  const run = await loadPipelineRunFile(opts.file);
  const env = { ...process.env, ...(opts.s3Endpoint ? { BUGFORGE_S3_ENDPOINT: opts.s3Endpoint } : {}) };
  const result = await runLocal({
    run,
    storeUri: opts.store,
    env,
    bugforgeCommand: [process.execPath, ...process.execArgv, process.argv[1]],
    logDir: defaultLogDir(run, opts.store),
    force: opts.force,
    fromStage: opts.fromStage,
    only: opts.only,
    isAvailable: isStageAvailable,
    upToDate: { loadStage, store: openStore(opts.store, s3ConnectionFromEnv(env)) },
    display: opts.progress && process.stderr.isTTY ? terminalDisplay() : plainDisplay(),
  });
  process.stdout.write(formatSummary(run.metadata.name, result));
  if (!result.ok) process.exitCode = 1;
}

/** The run's end state: Failed when a unit failed, Incomplete when a stage could not run in this build. */
export function runStatus(result: LocalRunResult): 'Succeeded' | 'Incomplete' | 'Failed' {
  if (!result.ok) return 'Failed';
  const notRun = result.stages.filter(({ planned }) => planned.decision.kind === 'unavailable' || planned.decision.kind === 'blocked');
  return notRun.length ? 'Incomplete' : 'Succeeded';
}

export function formatSummary(name: string, result: LocalRunResult): string {
  const status = runStatus(result);
  const notAvailable = result.stages.filter(({ planned }) => planned.decision.kind === 'unavailable').map(({ planned }) => planned.stage);
  const lines = [``, `PipelineRun ${name}: ${status}${status === 'Incomplete' ? ` (not available in this build yet: ${notAvailable.join(', ')})` : ''}`, ``];
  for (const { planned, units } of result.stages) {
    if (!units.length) {
      const why = planned.decision.kind === 'run' ? 'not run: an earlier stage failed' : describeDecision(planned);
      lines.push(`  ${planned.stage.padEnd(9)} — ${why}`);
      continue;
    }
    const failed = units.filter((u) => !u.ok);
    const cached = units.every((u) => u.summary?.status === 'cached');
    const state = failed.length ? 'FAILED' : cached ? 'up to date' : 'done';
    const text = units.length === 1
      ? String(units[0].summary?.headline ?? '')
      : `${units.length - failed.length}/${units.length} batches ok`;
    lines.push(`  ${planned.stage.padEnd(9)} ${state.padEnd(10)} ${text}`);
    // a stage's plain warnings (evaluate: a detector no better than the majority class, a test split too small)
    for (const w of units.flatMap((u) => (Array.isArray(u.summary?.warnings) ? u.summary.warnings : []))) lines.push(`  ${''.padEnd(9)} ${''.padEnd(10)} ⚠ ${String(w)}`);
    if (!failed.length) lines.push(`  ${''.padEnd(9)} ${''.padEnd(10)} → ${result.artifacts}/${stageDir(planned.stage)}/`);
    for (const f of failed) lines.push(`            ✘ ${f.unit ?? f.stage}: ${String(f.summary?.headline ?? `exit code ${f.exitCode}`)} (log: ${relative(process.cwd(), f.logFile)})`);
  }
  lines.push('', `artifacts: ${result.artifacts}`, '');
  return lines.join('\n');
}
