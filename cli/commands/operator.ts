// `bugforge operator`: runs the Kubernetes operator. Every flag also reads an environment
// variable (what the Helm chart sets); the kubeconfig comes from KUBECONFIG or the in-cluster
// service account.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { KubeConfig } from '@kubernetes/client-node';
import { BUGFORGE_VERSION } from '../../core/version.js';
import { createLogger } from '../../core/log.js';
import { isStageAvailable } from '../../stage-images/registry.js';
import { startOperator } from '../../operator/controller/manager.js';

const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`not a port number: ${value}`);
  return n;
};
const names = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);
const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`must be a positive number: ${value}`);
  return n;
};

export interface OperatorFlags {
  namespace?: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaseName: string;
  metricsPort: number;
  healthPort: number;
  stageImage: string;
  gpuStageImage: string;
  imagePullSecrets: string[];
  defaultStorageEndpoint?: string;
  defaultStorageBucket?: string;
  defaultStoragePrefix?: string;
  defaultStorageCredentialsSecret?: string;
  resyncSeconds: number;
  workers: number;
  dashboardPort?: number;
  dashboardActions: boolean;
  dashboardStoreSecrets: string[];
}

export function parseOperatorFlags(args: string[], env: NodeJS.ProcessEnv = process.env): OperatorFlags {
  const program = new Command('bugforge operator')
    .exitOverride()
    .option('--namespace <ns>', 'watch one namespace (default: all; env BUGFORGE_WATCH_NAMESPACE)', env.BUGFORGE_WATCH_NAMESPACE || undefined)
    .option('--leader-elect', 'elect a leader over a Lease so that several replicas run safely (env BUGFORGE_LEADER_ELECT=true)', env.BUGFORGE_LEADER_ELECT === 'true')
    .option('--leader-election-namespace <ns>', 'namespace of the leader Lease (default: POD_NAMESPACE, else default)', env.POD_NAMESPACE || 'default')
    .option('--lease-name <name>', 'name of the leader Lease', 'bugforge-operator')
    .option('--metrics-port <port>', 'port of /metrics', port, 8080)
    .option('--health-port <port>', 'port of /healthz and /readyz', port, 8081)
    .option('--stage-image <image>', 'image of the stage Jobs (env BUGFORGE_STAGE_IMAGE)', env.BUGFORGE_STAGE_IMAGE || `ghcr.io/bugforge/bugforge:${BUGFORGE_VERSION}`)
    .option('--gpu-stage-image <image>', 'image of the GPU stage Jobs (env BUGFORGE_GPU_STAGE_IMAGE)', env.BUGFORGE_GPU_STAGE_IMAGE || `ghcr.io/bugforge/bugforge-gpu:${BUGFORGE_VERSION}`)
    .option('--image-pull-secrets <names>', 'comma-separated Secrets the stage Pods pull images with; each must exist in the run\'s namespace (env BUGFORGE_IMAGE_PULL_SECRETS)', names, names(env.BUGFORGE_IMAGE_PULL_SECRETS ?? ''))
    .option('--default-storage-endpoint <url>', 'S3/MinIO endpoint for runs without spec.storage (env BUGFORGE_DEFAULT_STORAGE_ENDPOINT)', env.BUGFORGE_DEFAULT_STORAGE_ENDPOINT || undefined)
    .option('--default-storage-bucket <bucket>', 'bucket for runs without spec.storage (env BUGFORGE_DEFAULT_STORAGE_BUCKET)', env.BUGFORGE_DEFAULT_STORAGE_BUCKET || undefined)
    .option('--default-storage-prefix <prefix>', 'key prefix for runs without spec.storage (env BUGFORGE_DEFAULT_STORAGE_PREFIX)', env.BUGFORGE_DEFAULT_STORAGE_PREFIX || undefined)
    .option('--default-storage-credentials-secret <name>', 'Secret (accessKey, secretKey) for runs without spec.storage (env BUGFORGE_DEFAULT_STORAGE_CREDENTIALS_SECRET)', env.BUGFORGE_DEFAULT_STORAGE_CREDENTIALS_SECRET || undefined)
    .option('--resync-seconds <s>', 'look at every run at least this often', positive, 60)
    .option('--workers <n>', 'reconciles at once', positive, 4)
    .option('--dashboard-port <port>', 'serve the web dashboard on this port (env BUGFORGE_DASHBOARD_PORT; default: no dashboard)', port, env.BUGFORGE_DASHBOARD_PORT ? port(env.BUGFORGE_DASHBOARD_PORT) : undefined)
    .option('--dashboard-actions', 'let the dashboard retry, re-run and cancel runs (env BUGFORGE_DASHBOARD_ACTIONS=true; default: read-only)', env.BUGFORGE_DASHBOARD_ACTIONS === 'true')
    .option('--dashboard-store-secrets <names>', 'comma-separated Secrets with store keys the dashboard may read to show artifacts (env BUGFORGE_DASHBOARD_STORE_SECRETS)',
      (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean), (env.BUGFORGE_DASHBOARD_STORE_SECRETS ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  program.parse(args, { from: 'user' });
  return program.opts<OperatorFlags>();
}

export async function operatorCommand(args: string[]): Promise<void> {
  let flags: OperatorFlags;
  try {
    flags = parseOperatorFlags(args);
  } catch (error) {
    if (error instanceof CommanderError && (error.code === 'commander.helpDisplayed' || error.code === 'commander.help')) return;
    if (error instanceof CommanderError) process.exit(2); // commander already said what is wrong
    throw error;
  }
  const log = createLogger('bugforge.operator');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  if (!kubeConfig.getCurrentCluster()) {
    throw new Error('no Kubernetes cluster configured: set KUBECONFIG, or run the operator in a Pod with a service account');
  }
  const operator = await startOperator({
    kubeConfig,
    namespace: flags.namespace,
    reconcileConfig: {
      stageImage: flags.stageImage,
      gpuStageImage: flags.gpuStageImage,
      imagePullSecrets: flags.imagePullSecrets,
      isStageAvailable,
      defaultStorage: flags.defaultStorageBucket ? {
        bucket: flags.defaultStorageBucket, endpoint: flags.defaultStorageEndpoint,
        prefix: flags.defaultStoragePrefix, credentialsSecret: flags.defaultStorageCredentialsSecret,
      } : undefined,
    },
    leaderElection: flags.leaderElect ? { namespace: flags.leaderElectionNamespace, leaseName: flags.leaseName } : undefined,
    metricsPort: flags.metricsPort,
    healthPort: flags.healthPort,
    resyncSeconds: flags.resyncSeconds,
    workers: Math.floor(flags.workers),
    ...(flags.dashboardPort !== undefined ? { dashboard: { port: flags.dashboardPort, actions: flags.dashboardActions, storeSecrets: flags.dashboardStoreSecrets } } : {}),
    log,
  });
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        log.info(`${signal}: shutting down`);
        setTimeout(() => process.exit(1), 15_000).unref();
        void operator.stop().then(resolve, resolve);
      });
    }
  });
}
