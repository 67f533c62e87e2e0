// Feature matrices the heads train on: dense (encoder outputs) and sparse CSR (TF-IDF).
// Rows are appended one at a time into growable typed arrays, so a matrix costs its numbers
// and nothing per row object.

export interface DenseMatrix { kind: 'dense'; rows: number; dim: number; data: Float32Array }
export interface SparseMatrix { kind: 'sparse'; rows: number; dim: number; indptr: Uint32Array; indices: Uint32Array; values: Float32Array }
export type FeatureMatrix = DenseMatrix | SparseMatrix;

/** One sparse row: sorted column indices and their values. */
export interface SparseRow { indices: Uint32Array; values: Float32Array }

function grow<T extends Float32Array | Uint32Array>(array: T, needed: number): T {
  if (needed <= array.length) return array;
  const next = new (array.constructor as new (n: number) => T)(Math.max(needed, array.length * 2, 16));
  next.set(array);
  return next;
}

export class DenseMatrixBuilder {
  private data: Float32Array;
  private rows = 0;
  constructor(readonly dim: number, expectedRows = 64) {
    this.data = new Float32Array(dim * Math.max(1, expectedRows));
  }
  push(row: ArrayLike<number>): void {
    if (row.length !== this.dim) throw new Error(`feature row has ${row.length} values, expected ${this.dim}`);
    this.data = grow(this.data, (this.rows + 1) * this.dim);
    this.data.set(row, this.rows * this.dim);
    this.rows++;
  }
  build(): DenseMatrix {
    return { kind: 'dense', rows: this.rows, dim: this.dim, data: this.data.slice(0, this.rows * this.dim) };
  }
}

export class SparseMatrixBuilder {
  private indptr = new Uint32Array(65);
  private indices = new Uint32Array(1024);
  private values = new Float32Array(1024);
  private rows = 0;
  constructor(readonly dim: number) {}
  push(row: SparseRow): void {
    const start = this.indptr[this.rows];
    const end = start + row.indices.length;
    this.indices = grow(this.indices, end);
    this.values = grow(this.values, end);
    this.indices.set(row.indices, start);
    this.values.set(row.values, start);
    this.indptr = grow(this.indptr, this.rows + 2);
    this.indptr[++this.rows] = end;
  }
  build(): SparseMatrix {
    const nnz = this.indptr[this.rows];
    return {
      kind: 'sparse', rows: this.rows, dim: this.dim,
      indptr: this.indptr.slice(0, this.rows + 1), indices: this.indices.slice(0, nnz), values: this.values.slice(0, nnz),
    };
  }
}

export function denseFromRows(rows: number[][]): DenseMatrix {
  const dim = rows[0]?.length ?? 0;
  const b = new DenseMatrixBuilder(dim, rows.length);
  for (const r of rows) b.push(r);
  return b.build();
}

/** The rows of `x` whose index passes `keep`, in order. */
export function selectRows(x: FeatureMatrix, keep: (row: number) => boolean): FeatureMatrix {
  if (x.kind === 'dense') {
    const b = new DenseMatrixBuilder(x.dim, x.rows);
    for (let r = 0; r < x.rows; r++) if (keep(r)) b.push(x.data.subarray(r * x.dim, (r + 1) * x.dim));
    return b.build();
  }
  const b = new SparseMatrixBuilder(x.dim);
  for (let r = 0; r < x.rows; r++) {
    if (keep(r)) b.push({ indices: x.indices.subarray(x.indptr[r], x.indptr[r + 1]), values: x.values.subarray(x.indptr[r], x.indptr[r + 1]) });
  }
  return b.build();
}
