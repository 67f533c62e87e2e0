/**
 * vitest globalSetup for the `node` project (test/node/**): one real node per test run, started
 * once, torn down at the end (also after a failure). Provides to tests:
 *   inject("kubeconfig")        admin kubeconfig (so test/support/cluster.ts's helpers work)
 *   inject("kubeServer")        https://<bridge IP>:<port>
 *   inject("realNodeImages")    JSON of the images in containerd: [{ name, tag, digest, ... }]
 * Env: BUGFORGE_TEST_CLUSTER_LOG=1 prints progress; BUGFORGE_NODE_KEEP_LOGS=1 copies the node's and
 * control plane's logs to a temp folder before teardown (always done when a start fails).
 */
import { startRealNode } from "./index.js";

declare module "vitest" {
  export interface ProvidedContext {
    realNodeImages: string;
  }
}

interface SetupContext {
  provide(key: "kubeconfig" | "kubeServer" | "realNodeImages", value: string): void;
}

export default async function setup(project: SetupContext): Promise<() => Promise<void>> {
  const log = (m: string) => process.stderr.write(`[real-node] ${m}\n`);
  const node = await startRealNode({ log });
  process.env.KUBECONFIG = node.kubeconfigPath;
  project.provide("kubeconfig", node.kubeconfigPath);
  project.provide("kubeServer", node.controlPlane.server);
  project.provide("realNodeImages", JSON.stringify(node.images));
  return async () => {
    await node.stop();
  };
}
