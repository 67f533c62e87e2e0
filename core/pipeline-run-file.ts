// Reads a PipelineRun from a YAML/JSON file (the very object that `kubectl apply` takes) or from
// the BUGFORGE_PIPELINERUN environment variable (how the operator hands it to a stage Job).
import { readFile } from 'node:fs/promises';
import { validatePipelineRun } from '../api/v1alpha1/validate.js';
import type { PipelineRun } from '../api/v1alpha1/resource.js';
import type { RunRef } from './stage/layout.js';

export async function loadPipelineRunFile(path: string): Promise<PipelineRun> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parsePipelineRun(text, path);
}

/**
 * The one PipelineRun in a YAML or JSON text (a file may hold other objects, e.g. a Secret). JSON (what
 * the operator hands a stage) is read by JSON.parse; the YAML parser is loaded only for YAML.
 */
export async function parsePipelineRun(text: string, source: string): Promise<PipelineRun> {
  let objects: ({ kind?: string } | null)[] | undefined;
  if (/^\s*\{/.test(text)) {
    try {
      objects = [JSON.parse(text) as { kind?: string } | null];
    } catch {
      objects = undefined; // not JSON after all (YAML flow style): the YAML parser says what is wrong
    }
  }
  if (!objects) {
    const { parseAllDocuments } = await import('yaml');
    const docs = parseAllDocuments(text);
    objects = (Array.isArray(docs) ? docs : [docs]).map((d) => {
      if (d.errors.length) throw new Error(`${source}: not valid YAML: ${d.errors[0].message}`);
      return d.toJS() as { kind?: string } | null;
    });
  }
  const runs = objects.filter((o) => o && o.kind === 'PipelineRun');
  if (runs.length !== 1) {
    throw new Error(`${source}: expected exactly one object of kind PipelineRun, found ${runs.length}`);
  }
  return validatePipelineRun(runs[0], source);
}

/** The run's identity: in Kubernetes its namespace/name/uid; locally namespace "local", uid "local". */
export function runRefOf(run: PipelineRun): RunRef {
  return { namespace: run.metadata.namespace ?? 'local', name: run.metadata.name, uid: run.metadata.uid ?? 'local' };
}
