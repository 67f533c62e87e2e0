// Child process for runtime.test.ts: runs a stage that writes part of its outputs and then kills
// its own process with SIGKILL (no cleanup code runs, as when a Pod is OOM-killed).
// argv: <store uri>; S3 settings come from the environment.
import { pino } from 'pino';
import { validateSpec } from '../../../api/v1alpha1/validate.js';
import { executeStage } from '../../../core/stage/runtime.js';
import { openStore } from '../../../core/store/open.js';
import type { StageDefinition } from '../../../core/stage/definition.js';

const stage: StageDefinition = {
  name: 'analyze',
  description: 'writes one output, then dies',
  version: '1',
  reads: () => [],
  config: () => ({}),
  async run(ctx) {
    await ctx.outputs.records('dataset/train.jsonl.gz', [{ id: 'a' }, { id: 'b' }]);
    await ctx.outputs.json('analysis.json', { half: true });
    process.send?.('outputs-written');
    process.kill(process.pid, 'SIGKILL');
    await new Promise(() => undefined);
    return { headline: 'never', counts: {} };
  },
};

await executeStage(stage, {
  run: { namespace: 'test', name: 'killed', uid: 'u1' },
  spec: validateSpec({}),
  store: openStore(process.argv[2]),
  log: pino({ level: 'silent' }),
});
