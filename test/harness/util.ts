/** Small helpers shared by the harness tests. */
import { spawnSync } from "node:child_process";
import { kubeconfigPath } from "../support/cluster.js";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real kubectl binary against the test cluster. */
export function kubectl(args: string[], input?: string): KubectlResult {
  const r = spawnSync("kubectl", args, { input, encoding: "utf8", env: { ...process.env, KUBECONFIG: kubeconfigPath() }, timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** A Job running `node -e script` through the test/node image. */
export function nodeJob(name: string, script: string, spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      backoffLimit: 0,
      ...spec,
      template: {
        spec: {
          restartPolicy: "Never",
          terminationGracePeriodSeconds: 1,
          containers: [{ name: "main", image: "test/node", command: ["node", "-e", script] }],
          ...podSpec,
        },
      },
    },
  };
}
