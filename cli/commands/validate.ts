import { stringify } from 'yaml';
import { loadPipelineRunFile } from '../../core/pipeline-run-file.js';

export async function validateCommand(opts: { file: string; print?: boolean }): Promise<void> {
  const run = await loadPipelineRunFile(opts.file);
  if (opts.print) process.stdout.write(stringify(run));
  else console.log(`${opts.file}: valid PipelineRun ${run.metadata.name}`);
}
