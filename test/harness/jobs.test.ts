import { BatchV1Api, CoreV1Api, type V1Job } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { podLogs, useNamespace, waitFor } from "../support/cluster.js";
import { nodeJob } from "./util.js";

describe("the real Job controller on the test cluster", () => {
  const ns = useNamespace("jobs");

  it("runs a Job with completions 3 and parallelism 2 to Complete", async () => {
    const batch = ns.kc.makeApiClient(BatchV1Api);
    const core = ns.kc.makeApiClient(CoreV1Api);
    const job = nodeJob("three", "console.log('hello from ' + process.env.HOSTNAME)", { completions: 3, parallelism: 2 });
    await batch.createNamespacedJob({ namespace: ns.name, body: job as V1Job });
    const done = await waitFor(
      async () => {
        const j = await batch.readNamespacedJob({ name: "three", namespace: ns.name });
        return j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True") ? j : undefined;
      },
      { what: "Job three to complete", timeoutMs: 90_000 },
    );
    expect(done.status?.succeeded).toBe(3);
    const pods = await core.listNamespacedPod({ namespace: ns.name, labelSelector: "job-name=three" });
    expect(pods.items.length).toBe(3);
    for (const p of pods.items) {
      expect(p.status?.phase).toBe("Succeeded");
      expect(p.spec?.nodeName).toBe("bugforge-node-1");
      expect(p.status?.containerStatuses?.[0].state?.terminated?.reason).toBe("Completed");
      expect(await podLogs(ns.name, p.metadata!.name!)).toContain(`hello from ${p.metadata!.name}`);
    }
  });

  it("honours backoffLimit and ends Failed", async () => {
    const batch = ns.kc.makeApiClient(BatchV1Api);
    const core = ns.kc.makeApiClient(CoreV1Api);
    await batch.createNamespacedJob({ namespace: ns.name, body: nodeJob("failing", "console.error('boom'); process.exit(3)", { backoffLimit: 1 }) as V1Job });
    const failed = await waitFor(
      async () => {
        const j = await batch.readNamespacedJob({ name: "failing", namespace: ns.name });
        return j.status?.conditions?.find((c) => c.type === "Failed" && c.status === "True") ? j : undefined;
      },
      { what: "Job failing to fail", timeoutMs: 90_000 },
    );
    expect(failed.status?.conditions?.find((c) => c.type === "Failed")?.reason).toBe("BackoffLimitExceeded");
    expect(failed.status?.failed).toBe(2);
    const pods = await core.listNamespacedPod({ namespace: ns.name, labelSelector: "job-name=failing" });
    expect(pods.items.length).toBe(2);
    for (const p of pods.items) {
      expect(p.status?.phase).toBe("Failed");
      expect(p.status?.containerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
    }
  });

  it("garbage-collects Jobs when their owner is deleted", async () => {
    const batch = ns.kc.makeApiClient(BatchV1Api);
    const core = ns.kc.makeApiClient(CoreV1Api);
    const owner = await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: "owner" }, data: { a: "b" } } });
    const job = nodeJob("owned", "setTimeout(() => {}, 60000)");
    (job.metadata as Record<string, unknown>).ownerReferences = [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata!.uid! }];
    await batch.createNamespacedJob({ namespace: ns.name, body: job as V1Job });
    await waitFor(async () => (await batch.readNamespacedJob({ name: "owned", namespace: ns.name })).status?.active === 1, { what: "Job owned to run a Pod" });
    await core.deleteNamespacedConfigMap({ name: "owner", namespace: ns.name, propagationPolicy: "Foreground" });
    await waitFor(
      async () => {
        const jobs = await batch.listNamespacedJob({ namespace: ns.name });
        return jobs.items.length === 0;
      },
      { what: "the owned Job to be garbage-collected", timeoutMs: 60_000 },
    );
    // Its Pod goes too (the Job's own ownerReference), after the kubelet stopped the process.
    await waitFor(async () => (await core.listNamespacedPod({ namespace: ns.name })).items.length === 0, { what: "the Job's Pod to go", timeoutMs: 60_000 });
  });
});
