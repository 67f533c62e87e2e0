// What the dashboard's JSON API returns: shared by the server and the browser code (types only).

export type NodeState = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Skipped' | 'Cancelled';

/** One row of the runs list. */
export interface RunSummary {
  namespace: string;
  name: string;
  uid: string;
  phase: string;
  currentStage?: string;
  /** Stages done / total, e.g. 3/6. */
  progress?: string;
  f1?: number;
  created?: string;
  startTime?: string;
  completionTime?: string;
  /** The Succeeded condition's message (why it failed, what it waits for). */
  message?: string;
}

/** One node of the stage graph: a stage, or one unit of it (a generation batch). */
export interface GraphNode {
  id: string;
  stage: string;
  unit?: string;
  state: NodeState;
  startTime?: string;
  completionTime?: string;
  durationMs?: number;
  headline?: string;
  counts?: Record<string, number>;
  message?: string;
  /** A log can be asked for (it ran, or runs). */
  hasLog: boolean;
}

export interface GraphStage {
  stage: string;
  needs: string[];
  disabledWhy?: string;
  node: GraphNode;
  /** The stage's units (generate's batches), fanned out in the graph. */
  units?: GraphNode[];
}

export interface ConditionView { type: string; status: string; reason: string; message: string; lastTransitionTime?: string }

export interface EventView { time?: string; type: string; reason: string; message: string; object: string; count?: number }

export interface RunActions {
  /** Actions are installed (`--dashboard-actions`); false: read-only. */
  enabled: boolean;
  cancel: boolean;
  retry: boolean;
  /** Stages a re-run may start from. */
  rerunFrom: string[];
  /** Why actions are not offered, in words. */
  why?: string;
}

export interface RunDetail {
  summary: RunSummary;
  spec: Record<string, unknown>;
  conditions: ConditionView[];
  events: EventView[];
  stages: GraphStage[];
  results?: Record<string, number | string>;
  artifacts?: string;
  actions: RunActions;
}

export interface ArtifactFile { path: string; size: number; records?: number; sha256?: string; inline: boolean }

export interface ArtifactUnit {
  stage: string;
  unit?: string;
  /** The unit's folder, relative to the run's prefix (e.g. 02-generate/batch-0000). */
  dir: string;
  published: boolean;
  headline?: string;
  counts?: Record<string, number>;
  durationMs?: number;
  files: ArtifactFile[];
}

export interface ArtifactsView { units: ArtifactUnit[]; error?: string; report?: string }

export interface CurvePoint { x: number; y: number }

export interface CompareEntry {
  summary: RunSummary;
  spec: Record<string, unknown>;
  metrics: Record<string, number | undefined>;
  curves: { roc?: CurvePoint[]; pr?: CurvePoint[] };
  error?: string;
}

export interface CompareView {
  runs: CompareEntry[];
  /** Spec fields (dotted paths) whose values differ between the runs. */
  differences: { path: string; values: (string | undefined)[] }[];
}

export interface DashboardConfig { mode: 'local' | 'cluster'; actions: boolean; namespaces: string[]; csrfToken: string; version: string }

/** A server-sent event on /api/events. */
export type LiveEvent =
  | { type: 'run'; run: RunSummary }
  | { type: 'deleted'; namespace: string; name: string };
