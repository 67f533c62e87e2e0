// The dashboard over a local store (`bugforge ui`): runs are the folders under runs/ in the store
// and under the local runner's log folder; a stage's state comes from its manifest (published),
// its termination summary (failed) or its log (running while the runner's process lives).
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PipelineRunSpec } from '../../api/v1alpha1/spec.js';
import { STAGE_NAMES, type StageName } from '../../api/v1alpha1/names.js';
import { validatePipelineRun } from '../../api/v1alpha1/validate.js';
import { MANIFEST, runPrefix, stageDir, type RunRef } from '../../core/stage/layout.js';
import type { Manifest } from '../../core/stage/manifest.js';
import { readJson, type ArtifactStore } from '../../core/store/store.js';
import { RUN_RECORD, type RunRecord } from '../local/runner.js';
import { STAGE_GRAPH } from '../../core/stage/graph.js';
import { buildGraph, stateOfUnits, type Observation } from './graph.js';
import type { NodeState, RunDetail, RunSummary } from './model.js';
import { Redactor, secretEnvValues } from './redact.js';
import { NotFound, type DashboardSource, type LogRequest, type RunStore } from './source.js';

export interface LocalSourceOptions {
  store: ArtifactStore;
  /** The local runner's log folder (.bugforge/logs): <run>/<stage>[-<unit>].log. */
  logRoot: string;
  /** How often to look for changes (ms). */
  pollMs?: number;
  env?: NodeJS.ProcessEnv;
}

interface LocalRun {
  ref: RunRef;
  record?: RunRecord;
  summary: RunSummary;
  spec?: PipelineRunSpec;
  /** The spec the graph is laid out by: the run's, else defaults with the batches found on disk. */
  layout: PipelineRunSpec;
  units: Map<string, UnitObservation>;
  /** Changes when anything the run's state is read from changes. */
  signature: string;
}

type UnitObservation = Observation & { summaryF1?: number };

const unitKey = (stage: string, unit?: string) => (unit ? `${stage}/${unit}` : stage);
const logName = (stage: string, unit?: string) => (unit ? `${stage}-${unit}` : stage);

async function tryJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function entries(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

const processAlive = (pid: number | undefined): boolean => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export class LocalSource implements DashboardSource {
  readonly mode = 'local' as const;
  readonly redactor: Redactor;
  private runs = new Map<string, LocalRun>();
  private listeners = new Set<(key: { namespace: string; name: string }, summary: RunSummary | undefined) => void>();
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;

  constructor(private readonly options: LocalSourceOptions) {
    this.redactor = new Redactor(secretEnvValues(options.env ?? process.env));
  }

  async start(): Promise<void> {
    await this.scan();
    const poll = () => {
      this.timer = setTimeout(() => { void this.scan().finally(() => { if (this.timer) poll(); }); }, this.options.pollMs ?? 500);
      this.timer.unref?.();
    };
    poll();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.scanning;
  }

  namespaces(): string[] {
    return [...new Set([...this.runs.values()].map((r) => r.ref.namespace))].sort();
  }

  listRuns(namespace?: string): RunSummary[] {
    return [...this.runs.values()].filter((r) => !namespace || r.ref.namespace === namespace).map((r) => r.summary);
  }

  onChange(listener: (key: { namespace: string; name: string }, summary: RunSummary | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async run(namespace: string, name: string): Promise<RunDetail | undefined> {
    const run = this.runs.get(`${namespace}/${name}`);
    if (!run) return undefined;
    const spec = run.layout;
    const stages = buildGraph({
      spec, phase: run.summary.phase,
      stage: (stage) => run.units.get(stage) ?? this.stageFromUnits(run, spec, stage),
      unit: (stage, unit) => run.units.get(unitKey(stage, unit)),
    });
    const results = run.units.get('evaluate')?.state === 'Succeeded' ? await this.results(run.ref) : undefined;
    return {
      summary: run.summary,
      spec: (run.spec ?? {}) as Record<string, unknown>,
      conditions: [],
      events: [],
      stages,
      ...(results ? { results } : {}),
      artifacts: this.options.store.uriOf(runPrefix(run.ref)),
      actions: { enabled: false, cancel: false, retry: false, rerunFrom: [], why: 'local runs are read-only here: use `bugforge run --local --from-stage <stage>`' },
    };
  }

  async store(namespace: string, name: string): Promise<RunStore> {
    const run = this.runs.get(`${namespace}/${name}`);
    if (!run) throw new NotFound(`no run ${namespace}/${name}`);
    return { store: this.options.store, prefix: runPrefix(run.ref) };
  }

  async log(request: LogRequest): Promise<AsyncIterable<string>> {
    const run = this.runs.get(`${request.namespace}/${request.name}`);
    if (!run) throw new NotFound(`no run ${request.namespace}/${request.name}`);
    const path = join(this.options.logRoot, run.ref.name, `${logName(request.stage, request.unit)}.log`);
    try {
      await stat(path);
    } catch {
      throw new NotFound(`no log for ${request.stage}${request.unit ? ` ${request.unit}` : ''} of ${run.ref.name} (${path})`);
    }
    const running = () => this.runs.get(`${request.namespace}/${request.name}`)?.units.get(unitKey(request.stage, request.unit))?.state === 'Running';
    return tailFile(path, request.follow ? running : () => false, request.signal, this.options.pollMs ?? 500);
  }

  private stageFromUnits(run: LocalRun, spec: PipelineRunSpec, stage: StageName): Observation | undefined {
    const units = STAGE_GRAPH[stage].units?.(spec);
    if (!units) return undefined;
    const seen = units.map((u) => run.units.get(unitKey(stage, u)));
    if (seen.every((o) => !o)) return undefined;
    const state = stateOfUnits(seen.map((o) => o?.state ?? 'Pending'));
    const starts = seen.map((o) => o?.startTime).filter((t): t is string => Boolean(t)).sort();
    const ends = seen.map((o) => o?.completionTime).filter((t): t is string => Boolean(t)).sort();
    const counts: Record<string, number> = {};
    for (const o of seen) for (const [k, v] of Object.entries(o?.counts ?? {})) counts[k] = (counts[k] ?? 0) + v;
    const done = seen.filter((o) => o?.state === 'Succeeded').length;
    return {
      state, startTime: starts[0], ...(state === 'Succeeded' ? { completionTime: ends.at(-1) } : {}),
      headline: `${done}/${units.length} batches done`, counts, hasLog: false,
    };
  }

  private async results(ref: RunRef): Promise<Record<string, number | string> | undefined> {
    try {
      const metrics = await readJson<{ headline?: Record<string, unknown> }>(this.options.store, `${runPrefix(ref)}/${stageDir('evaluate')}/metrics.json`);
      return Object.fromEntries(Object.entries(metrics.headline ?? {}).filter(([, v]) => typeof v === 'number' || typeof v === 'string')) as Record<string, number | string>;
    } catch {
      return undefined;
    }
  }

  /** Every run folder in the store (runs/<namespace>/<name>/<uid>) and in the log folder. */
  private async refs(): Promise<RunRef[]> {
    const found = new Map<string, RunRef>();
    const store = this.options.store;
    if (store.localPath) {
      const root = store.localPath('runs');
      for (const namespace of await entries(root)) {
        for (const name of await entries(join(root, namespace))) {
          for (const uid of await entries(join(root, namespace, name))) found.set(`${namespace}/${name}`, { namespace, name, uid });
        }
      }
    } else {
      for await (const o of store.list('runs/')) {
        const [, namespace, name, uid] = o.key.split('/');
        if (namespace && name && uid) found.set(`${namespace}/${name}`, { namespace, name, uid });
      }
    }
    for (const name of await entries(this.options.logRoot)) {
      const key = `local/${name}`;
      if (!found.has(key)) found.set(key, { namespace: 'local', name, uid: 'local' });
    }
    return [...found.values()];
  }

  private scan(): Promise<void> {
    this.scanning ??= this.scanOnce().finally(() => { this.scanning = undefined; });
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    const refs = await this.refs();
    const seen = new Set<string>();
    for (const ref of refs) {
      const key = `${ref.namespace}/${ref.name}`;
      seen.add(key);
      const signature = await this.signature(ref);
      const previous = this.runs.get(key);
      if (previous && previous.signature === signature && previous.summary.phase !== 'Running') continue;
      const next = await this.observe(ref, signature);
      this.runs.set(key, next);
      if (!previous || JSON.stringify(previous.summary) !== JSON.stringify(next.summary) || previous.signature !== signature) {
        for (const l of this.listeners) l({ namespace: ref.namespace, name: ref.name }, next.summary);
      }
    }
    for (const key of [...this.runs.keys()]) {
      if (seen.has(key)) continue;
      const [namespace, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
      this.runs.delete(key);
      for (const l of this.listeners) l({ namespace, name }, undefined);
    }
  }

  /** Modification times of the run's log folder files and stage folders (cheap: no file is read). */
  private async signature(ref: RunRef): Promise<string> {
    const parts: string[] = [];
    const logs = join(this.options.logRoot, ref.name);
    try {
      for (const f of (await readdir(logs)).sort()) parts.push(`${f}:${(await stat(join(logs, f))).mtimeMs}`);
    } catch {
      // no logs: a run that only exists in the store
    }
    const store = this.options.store;
    if (store.localPath) {
      for (const stage of STAGE_NAMES) {
        const dir = store.localPath(`${runPrefix(ref)}/${stageDir(stage)}`);
        try {
          parts.push(`${stage}:${(await stat(dir)).mtimeMs}`);
          if (STAGE_GRAPH[stage].units) for (const u of await entries(dir)) parts.push(`${u}:${(await stat(join(dir, u))).mtimeMs}`);
        } catch {
          parts.push(`${stage}:-`);
        }
      }
    } else {
      parts.push(String(Date.now())); // no cheap signature on S3: look again each time
    }
    return parts.join('|');
  }

  private async observe(ref: RunRef, signature: string): Promise<LocalRun> {
    const logs = join(this.options.logRoot, ref.name);
    const record = ref.namespace === 'local' ? await tryJson<RunRecord>(join(logs, RUN_RECORD)) : undefined;
    let spec: PipelineRunSpec | undefined;
    if (record?.run) {
      try {
        spec = validatePipelineRun(record.run, join(logs, RUN_RECORD)).spec;
      } catch {
        spec = undefined;
      }
    }
    const layout = spec ?? await this.defaultLayout(ref, logs);
    const runnerAlive = Boolean(record && !record.finishedAt && processAlive(record.pid));
    const units = new Map<string, UnitObservation>();
    for (const stage of STAGE_NAMES) {
      const unitNames = STAGE_GRAPH[stage].disabledWhy?.(layout) ? [] : STAGE_GRAPH[stage].units?.(layout) ?? [undefined];
      for (const unit of unitNames) {
        const o = await this.observeUnit(ref, logs, stage, unit, runnerAlive);
        if (o) units.set(unitKey(stage, unit), o);
      }
    }
    const stageStates = STAGE_NAMES.map((stage) => {
      if (STAGE_GRAPH[stage].disabledWhy?.(layout)) return 'Skipped' as NodeState;
      const names = STAGE_GRAPH[stage].units?.(layout);
      return names ? stateOfUnits(names.map((u) => units.get(unitKey(stage, u))?.state ?? 'Pending')) : units.get(stage)?.state ?? 'Pending';
    });
    const done = stageStates.filter((s) => s === 'Succeeded' || s === 'Skipped').length;
    const failedAt = stageStates.findIndex((s) => s === 'Failed');
    const runningAt = stageStates.findIndex((s) => s === 'Running');
    const phase = failedAt >= 0 && !runnerAlive ? 'Failed'
      : runnerAlive || runningAt >= 0 ? 'Running'
        : done === STAGE_NAMES.length ? 'Succeeded'
          : record?.finishedAt ? (record.ok ? 'Succeeded' : 'Failed') : 'Pending';
    const current = failedAt >= 0 ? failedAt : runningAt >= 0 ? runningAt : stageStates.findIndex((s) => s === 'Pending');
    const starts = [...units.values()].map((o) => o.startTime).filter((t): t is string => Boolean(t)).sort();
    const ends = [...units.values()].map((o) => o.completionTime).filter((t): t is string => Boolean(t)).sort();
    const evaluate = units.get('evaluate');
    const f1 = evaluate?.state === 'Succeeded' ? evaluate.summaryF1 : undefined;
    const failed = failedAt >= 0 ? units.get(STAGE_NAMES[failedAt]) ?? [...units.values()].find((o) => o.state === 'Failed') : undefined;
    const summary: RunSummary = {
      namespace: ref.namespace, name: ref.name, uid: ref.uid, phase,
      ...(current >= 0 ? { currentStage: STAGE_NAMES[current] } : { currentStage: 'evaluate' }),
      progress: `${done}/${STAGE_NAMES.length}`,
      ...(f1 !== undefined ? { f1 } : {}),
      ...(record?.startedAt ?? starts[0] ? { created: record?.startedAt ?? starts[0], startTime: record?.startedAt ?? starts[0] } : {}),
      ...(phase === 'Succeeded' || phase === 'Failed' ? { completionTime: record?.finishedAt ?? ends.at(-1) } : {}),
      ...(failed ? { message: `stage ${STAGE_NAMES[failedAt]} failed${failed.headline ? `: ${failed.headline}` : ''}` } : {}),
    };
    return { ref, record, summary, spec, layout, units, signature };
  }

  /** Runs from before the runner kept its run.json: default settings, with the batches found on disk. */
  private async defaultLayout(ref: RunRef, logs: string): Promise<PipelineRunSpec> {
    const batches = new Set<string>();
    if (this.options.store.localPath) {
      for (const d of await entries(this.options.store.localPath(`${runPrefix(ref)}/${stageDir('generate')}`))) if (/^batch-\d{4}$/.test(d)) batches.add(d);
    }
    for (const f of await readdir(logs).catch(() => [] as string[])) {
      const m = /^generate-(batch-\d{4})\.log$/.exec(f);
      if (m) batches.add(m[1]);
    }
    const run = validatePipelineRun({ apiVersion: 'bugforge.dev/v1alpha1', kind: 'PipelineRun', metadata: { name: ref.name }, spec: { generation: { batches: Math.max(1, batches.size) } } }, 'defaults');
    return run.spec;
  }

  private async observeUnit(ref: RunRef, logs: string, stage: StageName, unit: string | undefined, runnerAlive: boolean): Promise<UnitObservation | undefined> {
    const dir = `${runPrefix(ref)}/${stageDir(stage)}${unit ? `/${unit}` : ''}`;
    const logFile = join(logs, `${logName(stage, unit)}.log`);
    const logStat = await stat(logFile).catch(() => undefined);
    let manifest: Manifest | undefined;
    try {
      manifest = await readJson<Manifest>(this.options.store, `${dir}/${MANIFEST}`);
    } catch {
      manifest = undefined; // not published (or unreadable): the log and summary say the rest
    }
    const termination = await tryJson<Record<string, unknown>>(join(logs, `${logName(stage, unit)}.termination.json`));
    const f1 = typeof termination?.f1 === 'number' ? termination.f1 : undefined;
    if (manifest) {
      return {
        state: 'Succeeded', startTime: manifest.startedAt, completionTime: manifest.finishedAt, headline: manifest.headline,
        counts: manifest.counts, hasLog: Boolean(logStat), summaryF1: f1 ?? numberIn(manifest.summary, 'f1'),
      };
    }
    if (!logStat) return undefined;
    const started = new Date(logStat.birthtimeMs || logStat.ctimeMs).toISOString();
    if (termination && termination.status !== 'failed' && termination.status !== undefined) {
      return { state: 'Succeeded', startTime: started, completionTime: logStat.mtime.toISOString(), headline: String(termination.headline ?? ''), hasLog: true, summaryF1: f1 };
    }
    if (termination?.status === 'failed' || !runnerAlive) {
      return { state: 'Failed', startTime: started, completionTime: logStat.mtime.toISOString(), headline: String(termination?.headline ?? 'ended without a summary (see its log)'), hasLog: true };
    }
    return { state: 'Running', startTime: started, hasLog: true };
  }
}

const numberIn = (o: Record<string, unknown> | undefined, key: string): number | undefined => (typeof o?.[key] === 'number' ? o[key] as number : undefined);

/** Yields a file's lines, then (while `more()` says the writer runs) the lines appended to it. */
async function* tailFile(path: string, more: () => boolean, signal: AbortSignal, pollMs: number): AsyncGenerator<string> {
  let offset = 0;
  let rest = '';
  while (!signal.aborted) {
    const size = (await stat(path)).size;
    if (size > offset) {
      for await (const chunk of createReadStream(path, { start: offset, end: size - 1 })) {
        rest += (chunk as Buffer).toString('utf8');
        let at: number;
        while ((at = rest.indexOf('\n')) >= 0) {
          yield rest.slice(0, at);
          rest = rest.slice(at + 1);
        }
      }
      offset = size;
    }
    if (!more()) break;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  if (rest) yield rest;
}
