// The `bugforge` command line.
import { Argument, Command, Option } from 'commander';
import { STAGE_NAMES } from '../api/v1alpha1/spec.js';
import { BUGFORGE_VERSION } from '../core/version.js';
import { runCommand } from './commands/run.js';
import { stageCommand } from './commands/stage.js';
import { validateCommand } from './commands/validate.js';
import { crdCommand } from './commands/crd.js';
import { uiCommand } from './commands/ui.js';
import { ValidationError } from '../api/v1alpha1/validate.js';

const program = new Command('bugforge')
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
  if (error instanceof ValidationError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error(`bugforge: ${(error as Error).message}`);
  if (process.env.BUGFORGE_LOG_LEVEL === 'debug') console.error(error);
  process.exit(1);
}
