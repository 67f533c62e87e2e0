// The record: one JSON object per line, the same shape in every stage (see ../shared/design.md).
import type { BugType } from '../../api/v1alpha1/names.js';

export type Lang = 'c' | 'python';
export type SplitName = 'train' | 'validation' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];

export interface BugRecord {
  id: string;
  func: string;
  label: 0 | 1;
  lang: Lang;
  source: 'codexglue' | 'demo' | 'synthetic' | string;
  project?: string;
  commit_id?: string;
  /** synthetic: the real function it came from */
  origin_id?: string;
  bug_type?: BugType | string;
  /** synthetic: 1-based inclusive line span that the generator changed */
  changed_lines?: [number, number];
  generator?: { provider: string; model?: string; seed?: number; explanation?: string };
  split?: SplitName;
}

/** A row that could not be used, kept with its reason (rejected.jsonl.gz, malformed.jsonl.gz). */
export interface SetAside {
  reason: string;
  detail?: string;
  /** where it came from: file and row number, or the record id */
  where?: string;
  record?: unknown;
}

export const isSynthetic = (r: BugRecord): boolean => r.source === 'synthetic';
