/**
 * Test helper: one real control plane + one test kubelet per test run.
 *
 * As a vitest globalSetup (`globalSetup: ["test/support/cluster.ts"]`), the
 * default export builds the control plane binaries (cached, test/controlplane/build.sh),
 * starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and a
 * kubelet node "bugforge-node-1" (no GPU), provides to tests:
 *   inject("kubeconfig")      admin kubeconfig path (also process.env.KUBECONFIG)
 *   inject("kubeServer")      https://127.0.0.1:<port>
 *   inject("kubeletWorkDir")  the kubelet's work dir (Pod folders, logs)
 * and tears everything down at the end.
 *
 * Env knobs: BUGFORGE_TEST_IMAGES (JSON ImageTable merged over defaultImages()),
 * KUBEBUILDER_ASSETS (envtest etcd + kube-apiserver), KEEP_CONTROLPLANE_DIR=1 (keep
 * temp dirs and logs), BUGFORGE_TEST_CLUSTER_LOG=1 (progress on stderr).
 *
 * In tests: `const ns = useNamespace()` gives each test its own namespace
 * (`ns.name`, deleted after the test); `kubeConfig()` an admin KubeConfig.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeEach, inject } from "vitest";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { buildControlPlane, startControlPlane, type ControlPlane } from "./controlplane.js";
import { startKubelet, type ImageTable, type Kubelet } from "./kubelet/index.js";

declare module "vitest" {
  export interface ProvidedContext {
    kubeconfig: string;
    kubeServer: string;
    kubeletWorkDir: string;
  }
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const defaultNodeName = "bugforge-node-1";

/**
 * Images the default kubelet knows:
 * - test/node: the node binary running these tests (`command: ["node", "-e", ...]`).
 * - ghcr.io/bugforge/bugforge and ghcr.io/bugforge/bugforge-gpu (any tag): this checkout's
 *   CLI, `node --import tsx cli/main.ts`; `command: ["bugforge", ...]` maps the word
 *   "bugforge" to the same.
 */
export function defaultImages(root = repoRoot): ImageTable {
  const tsx = pathToFileURL(path.join(root, "node_modules/tsx/dist/loader.mjs")).href;
  const cli = { entrypoint: [process.execPath, "--import", tsx, path.join(root, "cli/main.ts")], aliases: ["bugforge"] };
  return {
    "test/node": { entrypoint: [process.execPath] },
    "ghcr.io/bugforge/bugforge": cli,
    "ghcr.io/bugforge/bugforge-gpu": cli,
  };
}

export function imagesFromEnv(): ImageTable {
  const extra = process.env.BUGFORGE_TEST_IMAGES;
  return { ...defaultImages(), ...(extra ? (JSON.parse(extra) as ImageTable) : {}) };
}

export interface TestCluster {
  controlPlane: ControlPlane;
  kubelet: Kubelet;
  stop(): Promise<void>;
}

/** Builds (cached) and starts the control plane and one kubelet. */
export async function startTestCluster(opts: { images?: ImageTable; nodeName?: string; log?: (m: string) => void } = {}): Promise<TestCluster> {
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  buildControlPlane({ quiet: true });
  log(`binaries ready in ${Date.now() - t0} ms`);
  const controlPlane = await startControlPlane({ log });
  let kubelet: Kubelet;
  try {
    kubelet = await startKubelet({ kubeconfigPath: controlPlane.kubeconfigPath, nodeName: opts.nodeName ?? defaultNodeName, images: opts.images ?? imagesFromEnv(), log });
  } catch (err) {
    await controlPlane.stop();
    throw err;
  }
  log(`test cluster up in ${Date.now() - t0} ms (control plane ${controlPlane.startMs} ms)`);
  return {
    controlPlane,
    kubelet,
    async stop() {
      await kubelet.stop().catch(() => {});
      await controlPlane.stop();
    },
  };
}

interface SetupContext {
  provide: <T extends "kubeconfig" | "kubeServer" | "kubeletWorkDir">(key: T, value: string) => void;
}

/** vitest globalSetup: start once per run, provide the kubeconfig, return the teardown. */
export default async function setup(project: SetupContext): Promise<() => Promise<void>> {
  const verbose = !!process.env.BUGFORGE_TEST_CLUSTER_LOG;
  const cluster = await startTestCluster({ log: verbose ? (m) => process.stderr.write(`[test-cluster] ${m}\n`) : undefined });
  process.env.KUBECONFIG = cluster.controlPlane.kubeconfigPath;
  project.provide("kubeconfig", cluster.controlPlane.kubeconfigPath);
  project.provide("kubeServer", cluster.controlPlane.server);
  project.provide("kubeletWorkDir", cluster.kubelet.workDir);
  return async () => {
    await cluster.stop();
  };
}

// ---------------------------------------------------------------- in tests

/** The admin kubeconfig path provided by the global setup (also sets process.env.KUBECONFIG). */
export function kubeconfigPath(): string {
  const p = inject("kubeconfig");
  if (!p || !existsSync(p)) throw new Error("no test cluster: add test/support/cluster.ts to vitest's globalSetup");
  process.env.KUBECONFIG = p;
  return p;
}

/** An admin KubeConfig for the test cluster. */
export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return kc;
}

export interface TestNamespace {
  name: string;
  /** Deletes the namespace (does not wait for it to be gone). */
  delete(): Promise<void>;
}

let nsSeq = 0;
/** Creates a fresh namespace and waits for its default ServiceAccount (Pods need it). */
export async function createTestNamespace(kc: KubeConfig = kubeConfig(), prefix = "test"): Promise<TestNamespace> {
  const core = kc.makeApiClient(CoreV1Api);
  const base = prefix.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "test";
  const name = `${base}-${process.pid % 10000}-${++nsSeq}-${Math.random().toString(36).slice(2, 6)}`;
  await core.createNamespace({ body: { metadata: { name, labels: { "bugforge.dev/test": "true" } } } });
  for (let i = 0; i < 150; i++) {
    try {
      await core.readNamespacedServiceAccount({ name: "default", namespace: name });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    name,
    async delete() {
      await core.deleteNamespace({ name }).catch(() => {});
    },
  };
}

/**
 * Registers beforeEach/afterEach hooks giving each test its own namespace.
 * Read `.name` inside a test (it changes per test).
 */
export function useNamespace(prefix?: string): { readonly name: string; readonly kc: KubeConfig } {
  let current: TestNamespace | undefined;
  let kc: KubeConfig | undefined;
  beforeEach(async (ctx) => {
    kc ??= kubeConfig();
    current = await createTestNamespace(kc, prefix ?? ctx.task.name);
  });
  afterEach(async () => {
    await current?.delete();
    current = undefined;
  });
  return {
    get name() {
      if (!current) throw new Error("useNamespace(): .name is only available inside a test");
      return current.name;
    },
    get kc() {
      return (kc ??= kubeConfig());
    },
  };
}

/** Polls fn until it returns a truthy value (returned) or the timeout passes (throws with the last error/value). */
export async function waitFor<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? "condition"}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

/** A container's log through the API (pods/log, served by the test kubelet). */
export async function podLogs(namespace: string, pod: string, container?: string, kc: KubeConfig = kubeConfig()): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  return core.readNamespacedPodLog({ name: pod, namespace, container });
}
