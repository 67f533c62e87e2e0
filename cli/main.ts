// The `bugforge` command line.
import { Argument, Command, Option } from 'commander';
import { STAGE_NAMES } from '../api/v1alpha1/names.js';
import { BUGFORGE_VERSION } from '../core/version.js';

// Each command's module is imported when that command runs: `bugforge stage merge` (what every Job
// and every local stage process runs) does not load the dashboard, the local runner or the CRD
// generator, and their dependencies.
/* eslint-disable @typescript-eslint/no-explicit-any -- commander hands each action its parsed arguments */
const lazy = <M>(load: () => Promise<M>, pick: (m: M) => (...args: any[]) => unknown) =>
  async (...args: any[]): Promise<void> => {
    await pick(await load())(...args);
  };
/* eslint-enable @typescript-eslint/no-explicit-any */
const runCommand = lazy(() => import('./commands/run.js'), (m) => m.runCommand);
const stageCommand = lazy(() => import('./commands/stage.js'), (m) => m.stageCommand);
const validateCommand = lazy(() => import('./commands/validate.js'), (m) => m.validateCommand);
const crdCommand = lazy(() => import('./commands/crd.js'), (m) => m.crdCommand);
const uiCommand = lazy(() => import('./commands/ui.js'), (m) => m.uiCommand);

// As a kubectl plugin (kubectl-bugforge on the PATH) the help says `kubectl bugforge`.
const asPlugin = /kubectl-bugforge(\.js)?$/.test(process.argv[1] ?? '');
const program = new Command(asPlugin ? 'kubectl bugforge' : 'bugforge')
  .description('Run the bugforge bug-detection pipeline locally or as Kubernetes Jobs.')
  .version(BUGFORGE_VERSION)
  .showHelpAfterError();

const storeOptions = (cmd: Command) => cmd
  .option('--store <uri>', 'artifact store: a directory, file:///path or s3://bucket/prefix', process.env.BUGFORGE_STORE ?? '.bugforge')
  .option('--s3-endpoint <url>', 'S3/MinIO endpoint (env BUGFORGE_S3_ENDPOINT); keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY');

storeOptions(program.command('run')
  .description('run the whole pipeline')
  .requiredOption('-f, --file <path>', 'PipelineRun YAML (the object you would kubectl apply)')
  .option('--local', 'run on this machine: each stage in its own process, no cluster')
  .option('--force', 'redo every stage even when its outputs are up to date')
  .addOption(new Option('--from-stage <stage>', 'redo from this stage on (earlier ones are reused)').choices([...STAGE_NAMES]))
  .addOption(new Option('--only <stage>', 'run just this stage (its inputs must exist)').choices([...STAGE_NAMES]))
  .option('--no-progress', 'no live progress display (log lines instead)'))
  .action(runCommand);

storeOptions(program.command('stage')
  .description('run one stage (what a Kubernetes Job runs)')
  .addArgument(new Argument('<name>', 'stage name').choices([...STAGE_NAMES]))
  .option('-f, --file <path>', 'PipelineRun YAML (default: the BUGFORGE_PIPELINERUN environment variable)')
  .option('--batch <k>', 'generation batch number (0-based)')
  .option('--force', 'redo even when the output is up to date'))
  .action(stageCommand);

storeOptions(program.command('ui')
  .description('the dashboard over a local store (runs of `bugforge run --local`), on localhost')
  .option('--logs <dir>', 'the local runner\'s log folder (default: <store>/logs for a local store, else .bugforge/logs)')
  .option('--port <port>', 'port to listen on (0: any free one)', '8090')
  .option('--host <address>', 'loopback address to bind: 127.0.0.1 or ::1', '127.0.0.1'))
  .action(uiCommand);

program.command('validate')
  .description('check a PipelineRun file against the schema the CRD is generated from')
  .requiredOption('-f, --file <path>', 'PipelineRun YAML')
  .option('--print', 'print the run with defaults applied')
  .action(validateCommand);

// Cluster verbs (also `kubectl bugforge …` through bin/kubectl-bugforge.js): loaded when used, so
// `bugforge stage` in a Job never imports what only they need.
const clusterOptions = (cmd: Command) => cmd
  .option('-n, --namespace <ns>', 'namespace (default: the kubeconfig context\'s, else default)')
  .option('--context <name>', 'kubeconfig context');

clusterOptions(program.command('list').alias('ls')
  .description('list PipelineRuns: phase, stage, F1, reason, duration')
  .option('-A, --all-namespaces', 'in every namespace'))
  .action(async (opts) => (await import('./commands/runs.js')).listCommand(opts));

clusterOptions(program.command('describe')
  .description('a PipelineRun: stages, batches, conditions, Events, artifact locations')
  .argument('<run>', 'PipelineRun name'))
  .action(async (run: string, opts) => (await import('./commands/runs.js')).describeCommand(run, opts));

clusterOptions(program.command('logs')
  .description('every stage Pod\'s log, human-readable, in pipeline order')
  .argument('<run>', 'PipelineRun name')
  .addOption(new Option('--stage <stage>', 'only this stage').choices([...STAGE_NAMES]))
  .option('-f, --follow', 'follow the logs as stages start, until the run ends'))
  .action(async (run: string, opts) => (await import('./commands/logs.js')).logsCommand(run, opts));

clusterOptions(program.command('retry')
  .description('re-run a Failed or Cancelled PipelineRun from its failed stage (sets the bugforge.dev/retry annotation)')
  .argument('<run>', 'PipelineRun name')
  .addOption(new Option('--from-stage <stage>', 're-run from this stage (and redo every later one)').choices([...STAGE_NAMES])))
  .action(async (run: string, opts) => (await import('./commands/runs.js')).retryCommand(run, opts));

clusterOptions(program.command('cancel')
  .description('stop a running PipelineRun (sets spec.status: Cancelled); published stages stay')
  .argument('<run>', 'PipelineRun name'))
  .action(async (run: string, opts) => (await import('./commands/runs.js')).cancelCommand(run, opts));

storeOptions(program.command('cleanup')
  .description('remove a run\'s artifacts from the store (the operator\'s Job when a run with spec.artifacts.retain: false is deleted)'))
  .action(async (opts) => (await import('./commands/cleanup.js')).cleanupCommand(opts));

program.command('crd')
  .description('print the PipelineRun CustomResourceDefinition (YAML)')
  .action(crdCommand);

program.command('operator')
  .description('run the Kubernetes operator (reconciles PipelineRuns into Jobs)')
  .allowUnknownOption(true)
  .allowExcessArguments(true) // flag values (`--namespace ns`) reach operatorCommand, which parses them
  .helpOption(false) // `bugforge operator --help` lists the operator's own flags
  .action(async (_opts, cmd: Command) => {
    const operatorModule = './commands/operator.js'; // built by the operator work; absent in partial builds
    const { operatorCommand } = (await import(operatorModule).catch(() => ({}))) as { operatorCommand?: (args: string[]) => Promise<void> };
    if (!operatorCommand) {
      console.error('bugforge operator: not available in this build yet');
      process.exit(1);
    }
    await operatorCommand(cmd.args);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if ((error as Error).name === 'ValidationError') { // api/v1alpha1/validate.ts's, not imported here
    console.error((error as Error).message);
    process.exit(2);
  }
  console.error(`bugforge: ${(error as Error).message}`);
  if (process.env.BUGFORGE_LOG_LEVEL === 'debug') console.error(error);
  process.exit(1);
}
