// The PipelineRun resource: group, version, names, and the TypeScript shape of the object.
import type { PipelineRunSpec } from './spec.js';
import type { PipelineRunStatus } from './status.js';

export const GROUP = 'bugforge.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'PipelineRun';
export const PLURAL = 'pipelineruns';
export const SINGULAR = 'pipelinerun';
export const SHORT_NAMES = ['bfrun'];
export const CATEGORIES = ['bugforge'];

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PipelineRun {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: PipelineRunSpec;
  status?: PipelineRunStatus;
}
