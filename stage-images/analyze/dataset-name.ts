// What a data set's records are called: their `source` and the prefix of their ids. CodeXGLUE
// from the hub is `codexglue` / `cxg-…`, the demo set `demo` / `demo-…`; any other data set is
// named from dataset.name when the spec sets one, else from its file or directory name
// (`/data/sqlite-functions.jsonl` → `sqlite-functions`, `s3://b/devign/v1/train.jsonl` → `devign`:
// a file or directory that only names a split or a version names nothing).
import { DEFAULT_HUB_DATASET } from '../../api/v1alpha1/names.js';
import type { DatasetSpec } from '../../api/v1alpha1/spec.js';
import { splitOfPath } from './hub.js';

export interface DatasetName { source: string; idPrefix: string }

const CODEXGLUE: DatasetName = { source: 'codexglue', idPrefix: 'cxg' };
const DATA_EXTENSIONS = /(\.(jsonl|json|ndjson|csv|tsv|parquet|txt))?(\.gz)?$/i;

/** Lower case letters, digits and dashes; never `synthetic` (that names generated samples). */
function slug(text: string): string {
  const s = text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48).replace(/-+$/, '');
  if (s === '') return 'dataset';
  return s === 'synthetic' ? 'synthetic-named-data' : s;
}

/** The last meaningful part of a path or URI: its file name without data extensions, or its directory when the file only names a split. */
function nameOfPath(uri: string): string {
  const parts = uri.replace(/^[a-z0-9]+:\/\//i, '').split('/').filter(Boolean);
  while (parts.length > 0) {
    const last = parts.pop()!;
    const base = last.replace(DATA_EXTENSIONS, '');
    const onlySplit = splitOfPath(last) !== undefined && /^(train|training|valid|validation|dev|test)$/i.test(base);
    const onlyVersion = /^(v?\d+([._]\d+)*|latest|data)$/i.test(base);
    if (base !== '' && !onlySplit && !onlyVersion) return base;
  }
  return '';
}

export function datasetName(d: DatasetSpec): DatasetName {
  if (d.source === 'demo') return { source: 'demo', idPrefix: 'demo' };
  const named = d.name !== DEFAULT_HUB_DATASET;
  if (d.source === 'huggingface') {
    if (!named) return CODEXGLUE;
    const s = slug(d.name.split('/').pop() ?? d.name);
    return { source: s, idPrefix: s };
  }
  const s = slug(named ? d.name : nameOfPath(d.uri ?? ''));
  return { source: s, idPrefix: s };
}
