// `bugforge cleanup`: removes one run's artifacts (runs/<namespace>/<name>/<uid>/) from the store. The
// operator runs it as a Job when a PipelineRun with spec.artifacts.retain: false is deleted, then lets
// the run go (the finalizer bugforge.dev/artifacts); the operator itself never touches the store.
import { parsePipelineRun, runRefOf } from '../../core/pipeline-run-file.js';
import { createLogger } from '../../core/log.js';
import { runPrefix } from '../../core/stage/layout.js';
import { writeTerminationMessage } from '../../core/stage/termination.js';
import { openStore, s3ConnectionFromEnv } from '../../core/store/open.js';

export async function cleanupCommand(opts: { store: string; s3Endpoint?: string }): Promise<void> {
  const log = createLogger('bugforge.cleanup');
  if (!process.env.BUGFORGE_PIPELINERUN) throw new Error('no PipelineRun given: set BUGFORGE_PIPELINERUN (the operator does)');
  const run = await parsePipelineRun(process.env.BUGFORGE_PIPELINERUN, 'BUGFORGE_PIPELINERUN');
  const store = openStore(opts.store, { ...s3ConnectionFromEnv(), ...(opts.s3Endpoint ? { endpoint: opts.s3Endpoint } : {}) });
  const prefix = `${runPrefix(runRefOf(run))}/`;
  const keys: string[] = [];
  for await (const object of store.list(prefix)) keys.push(object.key);
  for (let i = 0; i < keys.length; i += 1000) await store.remove(keys.slice(i, i + 1000));
  const headline = `removed ${keys.length} object(s) under ${store.uriOf(prefix)}`;
  log.info({ objects: keys.length, prefix: store.uriOf(prefix) }, headline);
  writeTerminationMessage({ stage: 'cleanup', status: 'ok', headline, counts: { objects: keys.length } });
}
