// Deterministic names and labels for the Kubernetes objects the operator makes.
import { createHash } from 'node:crypto';
import type { StageName } from '../../api/v1alpha1/names.js';

/** A Job name is also a label value (job-name), so it must fit 63 characters. */
export const MAX_NAME = 63;

export const LABELS = {
  run: 'bugforge.dev/run',
  stage: 'bugforge.dev/stage',
  batch: 'bugforge.dev/batch',
  attempt: 'bugforge.dev/attempt',
  managedBy: 'app.kubernetes.io/managed-by',
  name: 'app.kubernetes.io/name',
  component: 'app.kubernetes.io/component',
} as const;
export const MANAGED_BY = 'bugforge';
export const MANAGED_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY}`;
/** The full run name (labels may be shortened; annotations are not). */
export const RUN_NAME_ANNOTATION = 'bugforge.dev/run-name';

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

/** `text` itself when it fits `max`, else a prefix + '-' + 8 hex of its hash (still unique and stable). */
export function fitName(text: string, max = MAX_NAME, keepSuffix = ''): string {
  if (text.length + keepSuffix.length <= max) return text + keepSuffix;
  const room = max - keepSuffix.length - 9;
  const head = text.slice(0, Math.max(room, 1)).replace(/[-.]+$/, '');
  return `${head}-${shortHash(text + keepSuffix)}${keepSuffix}`;
}

/** `<run>-<stage>[-<k>]`, with the run name shortened (and hashed) when the whole does not fit 63. */
export function jobName(runName: string, stage: StageName, batch?: number): string {
  return fitName(runName, MAX_NAME, `-${stage}${batch === undefined ? '' : `-${batch}`}`);
}

/** A label value (≤ 63 characters) for a run name. */
export const runLabel = (runName: string): string => fitName(runName);

export const runKey = (namespace: string, name: string): string => `${namespace}/${name}`;
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
