// The shape every stage has (stage-images/<name>/index.ts exports one StageDefinition).
// A stage is a function over record streams: it reads upstream outputs through `ctx.inputs`,
// writes its own through `ctx.outputs`, and returns counts and a summary. The runtime
// (runtime.ts) does digests, caching, staging and the atomic publish around it.
import type { Logger } from 'pino';
import type { Readable } from 'node:stream';
import type { PipelineRunSpec } from '../../api/v1alpha1/spec.js';
import type { StageName } from '../../api/v1alpha1/names.js';
import type { ArtifactStore } from '../store/store.js';
import type { RunRef } from './layout.js';
import type { Manifest } from './manifest.js';
import type { Progress } from './progress.js';

/** One upstream unit a stage reads: a whole stage, or some of its units (generation batches). */
export interface UpstreamRef { stage: StageName; units?: string[] }

export interface StageOutputs {
  /** Writes records as gzip'd JSON Lines; returns how many were written. */
  records<T>(path: string, records: AsyncIterable<T> | Iterable<T>): Promise<number>;
  json(path: string, value: unknown): Promise<void>;
  text(path: string, text: string): Promise<void>;
  stream(path: string, body: Readable, records?: number): Promise<void>;
}

export interface StageInputs {
  manifest(stage: StageName, unit?: string): Promise<Manifest>;
  records<T>(stage: StageName, path: string, unit?: string): AsyncIterable<T>;
  json<T>(stage: StageName, path: string, unit?: string): Promise<T>;
  stream(stage: StageName, path: string, unit?: string): Promise<Readable>;
  /** How many records the manifest says these upstream files hold (for progress totals); undefined when it does not say. */
  recordCount(stage: StageName, paths: string[], unit?: string): Promise<number | undefined>;
  /** The store key of an upstream file (for stages that hand a location onwards, e.g. in a report). */
  key(stage: StageName, path: string, unit?: string): string;
}

export interface StageContext {
  run: RunRef;
  spec: PipelineRunSpec;
  store: ArtifactStore;
  /** The unit this process runs (e.g. batch-0003), when the stage has units. */
  unit?: string;
  log: Logger;
  progress: Progress;
  signal: AbortSignal;
  now(): Date;
  inputs: StageInputs;
  outputs: StageOutputs;
  /** A private local directory for temporary files; removed after the stage. */
  scratchDir: string;
  env: NodeJS.ProcessEnv;
}

export interface StageOutcome {
  /** One line that says what happened, e.g. "1,204 kept, 96 rejected (5 reasons)". */
  headline: string;
  counts: Record<string, number>;
  /** Small JSON (goes into the manifest and the termination message; keep it well under 4 KiB). */
  summary?: Record<string, unknown>;
}

export interface StageDefinition {
  name: StageName;
  description: string;
  /** Bump when the stage's output changes for the same input (part of the cache key). */
  version: string;
  /** Whether the spec asks for this stage at all (e.g. generation.enabled). Default: yes. */
  enabled?(spec: PipelineRunSpec): boolean;
  /** The units this stage is cut into (generation batches); undefined: one unit, the stage. */
  units?(spec: PipelineRunSpec): string[] | undefined;
  /** Upstream units whose manifests go into the input digest and may be read. */
  reads(spec: PipelineRunSpec): UpstreamRef[];
  /** The part of the spec that determines this stage's (unit's) output; part of the input digest. */
  config(spec: PipelineRunSpec, unit?: string): unknown;
  run(ctx: StageContext): Promise<StageOutcome>;
}
