// Where the analyze stage's rows come from: the files of a data set source (the hub's parquet
// files in the store's cache, the demo set shipped with bugforge, or a local / s3:// file or
// directory), each with its split and format.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { DatasetSpec } from '../../api/v1alpha1/spec.js';
import type { SplitName } from '../../core/records/record.js';
import { PACKAGE_ROOT } from '../../core/version.js';
import { parseS3Uri, s3ConnectionFromEnv } from '../../core/store/open.js';
import type { ArtifactStore } from '../../core/store/store.js';
import { splitOfPath } from './hub.js';
import { formatOf, type InputFormat } from './readers.js';

export interface InputFile {
  /** Shown in messages and in malformed rows' `where` (a path relative to the source). */
  name: string;
  split: SplitName;
  /** Why this split: from the file name, or the default for a file whose name names none. */
  splitFrom: 'name' | 'default';
  format: InputFormat;
  gzip: boolean;
  size?: number;
  /** A local path, when the file is on this machine. */
  localPath?: string;
  open(): Promise<Readable>;
}

export const demoDir = (): string => join(PACKAGE_ROOT, 'demo');

/** Picks format and split for a file name; undefined when the name is not a data file we read. */
function describe(name: string, format: DatasetSpec['format']): Pick<InputFile, 'format' | 'gzip' | 'split' | 'splitFrom'> | undefined {
  const byName = formatOf(name);
  const base = name.split('/').pop()!.toLowerCase();
  if (format !== 'auto' && (base.startsWith('readme') || base.endsWith('.md'))) return undefined; // documentation beside the data
  const chosen = format === 'auto' ? byName : { format, gzip: base.endsWith('.gz') };
  if (!chosen) return undefined;
  const split = splitOfPath(name);
  return { ...chosen, split: split ?? 'train', splitFrom: split ? 'name' : 'default' };
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** The data files under a local path (a file or a directory, searched recursively). */
export async function localInputs(path: string, format: DatasetSpec['format']): Promise<InputFile[]> {
  const root = resolve(path);
  let info;
  try {
    info = await stat(root);
  } catch {
    throw new Error(`dataset.uri ${path}: no such file or directory`);
  }
  const paths = info.isDirectory() ? await walk(root) : [root];
  const files: InputFile[] = [];
  for (const p of paths) {
    const name = info.isDirectory() ? relative(root, p) : basename(p);
    const d = describe(name, format);
    if (!d) continue;
    files.push({ name, ...d, size: (await stat(p)).size, localPath: p, open: async () => createReadStream(p) });
  }
  return files;
}

/** The data files under an s3:// URI (an object, or every object under it as a prefix). */
export async function s3Inputs(uri: string, format: DatasetSpec['format'], env: NodeJS.ProcessEnv): Promise<InputFile[]> {
  const { bucket, key } = parseS3Uri(uri);
  const { S3Store } = await import('../../core/store/s3.js'); // minio only when the data set is on S3
  const store = new S3Store({ bucket, ...s3ConnectionFromEnv(env) });
  const keys: { key: string; size: number }[] = [];
  if (key && (await store.exists(key))) {
    keys.push({ key, size: 0 });
  } else {
    for await (const o of store.list(key ? `${key}/` : '')) keys.push(o);
  }
  return storeInputs(store, keys, key, format);
}

/** Input files for objects of a store, named relative to `under`. */
export function storeInputs(store: ArtifactStore, objects: { key: string; size: number }[], under: string, format: DatasetSpec['format']): InputFile[] {
  const files: InputFile[] = [];
  for (const o of objects) {
    const name = o.key === under ? basename(o.key) : o.key.slice(under ? under.length + 1 : 0);
    if (name.split('/').some((part) => part.startsWith('.') || part.startsWith('_'))) continue;
    const d = describe(name, format);
    if (!d) continue;
    files.push({ name, ...d, ...(o.size ? { size: o.size } : {}), ...(store.localPath ? { localPath: store.localPath(o.key) } : {}), open: () => store.read(o.key) });
  }
  return files;
}
