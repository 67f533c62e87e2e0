// Reading rows out of parquet, JSON Lines and CSV files, one row at a time. A line that does not
// parse is yielded as an error (to be set aside with its place), never thrown.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';

export type InputFormat = 'parquet' | 'jsonl' | 'csv';

export interface RawRow {
  /** The parsed row (an object for parquet and CSV; any JSON value for JSON Lines). */
  row?: unknown;
  /** Why the line could not be parsed. */
  error?: string;
  /** file:N — parquet: the 1-based row; JSON Lines: the line; CSV: the line the row ends on (a quoted field may span lines) */
  where: string;
}

/** Format from a file name, or undefined when the name says nothing we read. */
export function formatOf(name: string): { format: InputFormat; gzip: boolean } | undefined {
  const lower = name.toLowerCase();
  const gzip = lower.endsWith('.gz');
  const base = gzip ? lower.slice(0, -3) : lower;
  if (base.endsWith('.parquet') && !gzip) return { format: 'parquet', gzip: false };
  if (/\.(jsonl|ndjson|json)$/.test(base)) return { format: 'jsonl', gzip };
  if (base.endsWith('.csv')) return { format: 'csv', gzip };
  return undefined;
}

/** Rows of a parquet file, one row group at a time (a row group is the unit parquet compresses). */
export async function* parquetRows(path: string, name: string, onTotal?: (rows: number) => void): AsyncGenerator<RawRow> {
  const file = await asyncBufferFromFile(path);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new Error(`${name} is not a readable parquet file (${(error as Error).message}); check dataset.format or the file`);
  }
  onTotal?.(Number(metadata.num_rows));
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd });
    for (let i = 0; i < rows.length; i++) yield { row: rows[i], where: `${name}:${rowStart + i + 1}` };
    rowStart = rowEnd;
  }
}

const text = (input: Readable, gzip: boolean): Readable => {
  if (!gzip) return input;
  const gunzip = createGunzip();
  input.on('error', (e) => gunzip.destroy(e));
  return input.pipe(gunzip);
};

/** Rows of a JSON Lines file; blank lines are skipped, a line that is not JSON comes back as an error. */
export async function* jsonLinesRows(input: Readable, name: string, gzip: boolean): AsyncGenerator<RawRow> {
  const lines = createInterface({ input: text(input, gzip), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      try {
        yield { row: JSON.parse(line), where: `${name}:${n}` };
      } catch (error) {
        yield { error: `not valid JSON: ${(error as Error).message}`, where: `${name}:${n}` };
      }
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/** Rows of a CSV file with a header line; a line with the wrong number of fields comes back as an error. */
export async function* csvRows(input: Readable, name: string, gzip: boolean): AsyncGenerator<RawRow> {
  const skipped: RawRow[] = [];
  const parser = parseCsv({
    columns: true,
    bom: true,
    info: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    relax_quotes: false,
  });
  parser.on('skip', (error: Error & { lines?: number }) => {
    skipped.push({ error: error.message, where: `${name}:${error.lines ?? '?'}` });
  });
  const source = text(input, gzip);
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);
  try {
    for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      while (skipped.length) yield skipped.shift()!;
      yield { row: item.record, where: `${name}:${item.info.lines}` };
    }
    while (skipped.length) yield skipped.shift()!;
  } finally {
    parser.destroy();
    input.destroy();
  }
}

/** Rows of one file in the given format; parquet needs a local path (it reads by byte ranges). */
export function readRows(file: { name: string; format: InputFormat; gzip: boolean; localPath?: string; open(): Promise<Readable> }, onTotal?: (rows: number) => void): AsyncIterable<RawRow> {
  if (file.format === 'parquet') {
    if (!file.localPath) throw new Error(`parquet file ${file.name} must be local to be read`);
    return parquetRows(file.localPath, file.name, onTotal);
  }
  return (async function* () {
    const input = file.localPath ? createReadStream(file.localPath) : await file.open();
    yield* file.format === 'jsonl' ? jsonLinesRows(input, file.name, file.gzip) : csvRows(input, file.name, file.gzip);
  })();
}
