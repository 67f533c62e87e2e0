import { CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { defaultImages, kubeconfigPath, useNamespace, waitFor } from "../support/cluster.js";
import { startKubelet } from "../support/kubelet/index.js";

describe("scheduling against Node allocatable", () => {
  const ns = useNamespace("sched");

  it("keeps a GPU Pod Pending (Unschedulable) until a GPU node joins, then runs it there", async () => {
    const core = ns.kc.makeApiClient(CoreV1Api);
    const body: V1Pod = {
      metadata: { name: "gpu" },
      spec: {
        restartPolicy: "Never",
        terminationGracePeriodSeconds: 1,
        tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
        containers: [{ name: "main", image: "test/node", command: ["node", "-e", "console.log('on gpu')"], resources: { limits: { "nvidia.com/gpu": "1" } } }],
      },
    };
    await core.createNamespacedPod({ namespace: ns.name, body });
    const pending = await waitFor(
      async () => {
        const p = await core.readNamespacedPod({ name: "gpu", namespace: ns.name });
        const c = p.status?.conditions?.find((x) => x.type === "PodScheduled");
        return c?.status === "False" ? { p, c } : undefined;
      },
      { what: "PodScheduled=False" },
    );
    expect(pending.c.reason).toBe("Unschedulable");
    expect(pending.c.message).toContain("nvidia.com/gpu");
    expect(pending.p.status?.phase).toBe("Pending");

    const nodeName = `gpu-node-${Math.random().toString(36).slice(2, 7)}`;
    const gpu = await startKubelet({
      kubeconfigPath: kubeconfigPath(),
      nodeName,
      capacity: { cpu: "4", memory: "16Gi", "nvidia.com/gpu": "1" },
      labels: { "nvidia.com/gpu.present": "true" },
      taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }],
      images: defaultImages(),
    });
    try {
      const done = await waitFor(
        async () => {
          const p = await core.readNamespacedPod({ name: "gpu", namespace: ns.name });
          return p.status?.phase === "Succeeded" ? p : undefined;
        },
        { what: "the GPU Pod to run", timeoutMs: 60_000 },
      );
      expect(done.spec?.nodeName).toBe(nodeName);
      expect(gpu.logs(ns.name, "gpu")).toContain("on gpu");
    } finally {
      await core.deleteNamespacedPod({ name: "gpu", namespace: ns.name }).catch(() => {});
      await gpu.stop();
    }
  });
});
