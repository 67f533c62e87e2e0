// The manifest a stage (or unit) publishes last: input digest, files with sizes and checksums,
// counts and timings. A unit without a manifest was never published and is never read.
import { createHash } from 'node:crypto';
import type { StageName } from '../../api/v1alpha1/names.js';

export interface ManifestFile { path: string; size: number; sha256: string; records?: number }

export interface Manifest {
  manifestVersion: 1;
  stage: StageName;
  unit?: string;
  inputDigest: string;
  files: ManifestFile[];
  counts: Record<string, number>;
  headline: string;
  summary: Record<string, unknown>;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  bugforgeVersion: string;
  /** namespace/name of the run whose outputs these are (caching across runs); absent when computed here. */
  cachedFrom?: string;
  cachedFromUid?: string;
}

/** A stable digest of any JSON value (object keys sorted). */
export function digestOf(value: unknown): string {
  return 'sha256:' + createHash('sha256').update(canonicalJson(value)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
