// The local runner: the pipeline on one machine, each stage (unit) in its own process running
// the same entrypoint a Kubernetes Job runs (`bugforge stage <name>`), with a live display.
import { spawn } from 'node:child_process';
import pLimit from 'p-limit';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import type { PipelineRun } from '../../api/v1alpha1/resource.js';
import type { StageName } from '../../api/v1alpha1/names.js';
import { runRefOf } from '../../core/pipeline-run-file.js';
import { runPrefix } from '../../core/stage/layout.js';
import { readManifest, upToDateManifest } from '../../core/stage/runtime.js';
import type { StageDefinition } from '../../core/stage/definition.js';
import type { ArtifactStore } from '../../core/store/store.js';
import type { ProgressUpdate } from '../../core/stage/progress.js';
import { planLocalRun, type PlannedStage } from './plan.js';
import { STAGE_GRAPH } from '../../core/stage/graph.js';
import type { RunDisplay } from './display.js';
import type { UnitResult } from './unit-result.js';

export interface LocalRunOptions {
  run: PipelineRun;
  storeUri: string;
  /** Environment for the stage processes (S3 endpoint and keys, …). */
  env: NodeJS.ProcessEnv;
  /** The command that runs `bugforge` (argv before `stage …`). */
  bugforgeCommand: string[];
  logDir: string;
  force?: boolean;
  fromStage?: StageName;
  only?: StageName;
  isAvailable(stage: StageName): boolean;
  /**
   * The stage's definition, to find an up-to-date unit without starting a process for it; with
   * a store to look in (the runner's own view of `storeUri`). Without it every unit is spawned.
   */
  upToDate?: { loadStage(stage: StageName): Promise<StageDefinition>; store: ArtifactStore };
  display: RunDisplay;
}

export interface StageReport { planned: PlannedStage; units: UnitResult[] }

export interface LocalRunResult { ok: boolean; stages: StageReport[]; artifacts: string }

/** The unit's result without a process when its outputs are up to date (the summary a stage process would write), else undefined. */
async function cachedUnit(options: LocalRunOptions, stage: StageName, label: string, logFile: string, unit?: string): Promise<UnitResult | undefined> {
  if (!options.upToDate) return undefined;
  const started = Date.now();
  const { loadStage, store } = options.upToDate;
  const run = runRefOf(options.run);
  if (!(await readManifest(store, run, stage, unit))) return undefined; // never published: no need to load the stage's code
  const m = await upToDateManifest(await loadStage(stage), { run, spec: options.run.spec, store, unit });
  if (!m) return undefined;
  options.display.unitStarted(label);
  const summary = { stage, ...(unit ? { unit } : {}), status: 'cached', headline: m.headline, counts: m.counts, ...(m.cachedFrom ? { cachedFrom: m.cachedFrom } : {}), ...m.summary };
  await writeFile(logFile, `${label}: up to date (same input digest ${m.inputDigest}), not run again; decided by the runner without a process\n`);
  const result: UnitResult = { stage, unit, ok: true, exitCode: 0, summary, logFile, durationMs: Date.now() - started };
  options.display.unitFinished(label, result);
  return result;
}

async function runUnit(options: LocalRunOptions, runFile: string, stage: StageName, force: boolean, unitIndex?: number, unit?: string): Promise<UnitResult> {
  const label = unit ? `${stage} ${unit}` : stage;
  const logFile = join(options.logDir, `${unit ? `${stage}-${unit}` : stage}.log`);
  if (!force) {
    const cached = await cachedUnit(options, stage, label, logFile, unit);
    if (cached) return cached;
  }
  const termination = join(options.logDir, `${unit ? `${stage}-${unit}` : stage}.termination.json`);
  await rm(termination, { force: true });
  const args = [...options.bugforgeCommand, 'stage', stage, '-f', runFile, '--store', options.storeUri];
  if (unitIndex !== undefined) args.push('--batch', String(unitIndex));
  if (force) args.push('--force');
  const started = Date.now();
  options.display.unitStarted(label);
  const child = spawn(args[0], args.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...options.env, BUGFORGE_TERMINATION_LOG: termination, BUGFORGE_LOG_FORMAT: 'json' },
  });
  const log = createWriteStream(logFile);
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  child.on('message', (m: ProgressUpdate) => {
    if (m?.type === 'progress') options.display.unitProgress(label, m);
  });
  const exitCode = await new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  await new Promise((done) => log.end(done));
  let summary: Record<string, unknown> | undefined;
  try {
    summary = JSON.parse(await readFile(termination, 'utf8')) as Record<string, unknown>;
  } catch {
    summary = undefined;
  }
  const result: UnitResult = { stage, unit, ok: exitCode === 0, exitCode, summary, logFile, durationMs: Date.now() - started };
  options.display.unitFinished(label, result);
  return result;
}

export async function runLocal(options: LocalRunOptions): Promise<LocalRunResult> {
  const { run } = options;
  await mkdir(options.logDir, { recursive: true });
  const tmp = await mkdtemp(join(tmpdir(), 'bugforge-run-'));
  const runFile = join(tmp, 'pipelinerun.json');
  await writeFile(runFile, JSON.stringify(run));
  // For `bugforge ui`: the run as given, and whether this process still runs it.
  const record = { run, pid: process.pid, startedAt: new Date().toISOString() };
  await writeFile(join(options.logDir, RUN_RECORD), JSON.stringify(record, null, 2) + '\n');
  const plan = planLocalRun(run.spec, {
    force: options.force,
    fromStage: options.fromStage,
    only: options.only,
    isAvailable: options.isAvailable,
    unitsOf: (stage, spec) => STAGE_GRAPH[stage].units?.(spec),
  });
  options.display.planned(plan);
  const stages: StageReport[] = [];
  let ok = true;
  try {
    for (const planned of plan) {
      const report: StageReport = { planned, units: [] };
      stages.push(report);
      if (!ok || planned.decision.kind !== 'run') continue;
      const { force, units } = planned.decision;
      if (units) {
        const limit = pLimit(run.spec.generation.parallelism);
        report.units = await Promise.all(units.map((unit, k) => limit(() => runUnit(options, runFile, planned.stage, force, k, unit))));
      } else {
        report.units = [await runUnit(options, runFile, planned.stage, force)];
      }
      if (report.units.some((u) => !u.ok)) ok = false;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
    await writeFile(join(options.logDir, RUN_RECORD), JSON.stringify({ ...record, finishedAt: new Date().toISOString(), ok }, null, 2) + '\n');
    options.display.stop();
  }
  return { ok, stages, artifacts: `${options.storeUri.replace(/\/+$/, '')}/${runPrefix(runRefOf(run))}` };
}

/** In a run's log folder: the PipelineRun, the runner's pid, start and end (`bugforge ui` reads it). */
export const RUN_RECORD = 'run.json';
export interface RunRecord { run: PipelineRun; pid: number; startedAt: string; finishedAt?: string; ok?: boolean }

/**
 * Where `run --local` writes the stage logs: beside the artifacts of a local store (<store>/logs/<run>;
 * the default store .bugforge gives .bugforge/logs/<run>), else ./.bugforge/logs/<run>. So a run whose
 * store is writable never needs a writable working directory (the image's /app is read-only).
 */
export function defaultLogDir(run: PipelineRun, storeUri: string): string {
  const localStore = storeUri.startsWith('s3://') ? undefined : storeUri.startsWith('file://') ? fileURLToPath(storeUri) : storeUri;
  return resolve(localStore ?? '.bugforge', 'logs', run.metadata.name);
}
