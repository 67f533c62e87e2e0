import { CoreV1Api, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions, type V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { podLogs, useNamespace, waitFor } from "../support/cluster.js";

function pod(name: string, container: Record<string, unknown>, spec: Record<string, unknown> = {}): V1Pod {
  return {
    metadata: { name },
    spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 1, containers: [{ name: "main", image: "test/node", ...container }], ...spec },
  } as V1Pod;
}

async function waitTerminal(core: CoreV1Api, ns: string, name: string): Promise<V1Pod> {
  return waitFor(
    async () => {
      const p = await core.readNamespacedPod({ name, namespace: ns });
      return p.status?.phase === "Succeeded" || p.status?.phase === "Failed" ? p : undefined;
    },
    { what: `Pod ${name} to finish`, timeoutMs: 60_000 },
  );
}

describe("the test kubelet", () => {
  const ns = useNamespace("pods");

  it("resolves secretKeyRef, configMapKeyRef and fieldRef env and returns the termination message", async () => {
    const core = ns.kc.makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({ namespace: ns.name, body: { metadata: { name: "creds" }, stringData: { password: "s3cr3t" } } });
    await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: "cfg" }, data: { mode: "fast" } } });
    const script = "require('fs').writeFileSync(process.env.BUGFORGE_TERMINATION_LOG, [process.env.PASSWORD, process.env.MODE, process.env.POD_NAME, process.env.POD_NS, process.env.GREETING, require('os').tmpdir().endsWith('/volumes/tmp')].join(','))";
    await core.createNamespacedPod({
      namespace: ns.name,
      body: pod("env", {
        command: ["node", "-e", script],
        env: [
          { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } },
          { name: "MODE", valueFrom: { configMapKeyRef: { name: "cfg", key: "mode" } } },
          { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "POD_NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
          { name: "GREETING", value: "hi-$(MODE)" },
        ],
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
      }, { volumes: [{ name: "tmp", emptyDir: {} }] }),
    });
    const p = await waitTerminal(core, ns.name, "env");
    expect(p.status?.phase).toBe("Succeeded");
    expect(p.status?.podIP).toBe("127.0.0.1");
    expect(p.status?.startTime).toBeTruthy();
    const t = p.status?.containerStatuses?.[0].state?.terminated;
    expect(t?.exitCode).toBe(0);
    expect(t?.reason).toBe("Completed");
    expect(t?.message).toBe(`s3cr3t,fast,env,${ns.name},hi-fast,true`);
  });

  it("reports a failed container's exit code and termination message (and FallbackToLogsOnError)", async () => {
    const core = ns.kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: ns.name, body: pod("fails", { command: ["node", "-e", "require('fs').writeFileSync(process.env.BUGFORGE_TERMINATION_LOG, 'dataset missing'); process.exit(2)"] }) });
    await core.createNamespacedPod({ namespace: ns.name, body: pod("fallback", { command: ["node", "-e", "console.log('last words'); process.exit(1)"], terminationMessagePolicy: "FallbackToLogsOnError" }) });
    const p = await waitTerminal(core, ns.name, "fails");
    expect(p.status?.phase).toBe("Failed");
    expect(p.status?.containerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 2, reason: "Error", message: "dataset missing" });
    const f = await waitTerminal(core, ns.name, "fallback");
    expect(f.status?.containerStatuses?.[0].state?.terminated?.message).toContain("last words");
  });

  /** The Pod once its first container waits with this reason. */
  const waitingWith = (core: CoreV1Api, name: string, reason: string) =>
    waitFor(async () => {
      const p = await core.readNamespacedPod({ name, namespace: ns.name });
      return p.status?.containerStatuses?.[0].state?.waiting?.reason === reason ? p : undefined;
    }, { what: `${name}: ${reason}` });

  it("keeps a Pod Pending in CreateContainerConfigError until a referenced Secret (and key) exists", async () => {
    const core = ns.kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: ns.name, body: pod("late", { command: ["node", "-e", "process.exit(process.env.X === 'y' ? 0 : 1)"], env: [{ name: "X", valueFrom: { secretKeyRef: { name: "later", key: "x" } } }] }) });
    const missing = await waitingWith(core, "late", "CreateContainerConfigError");
    // As a real kubelet reports it: the container never started, so the Pod is Pending, not Running.
    expect(missing.status?.phase).toBe("Pending");
    expect(missing.status?.containerStatuses?.[0].state?.waiting?.message).toBe('secret "later" not found');
    await core.createNamespacedSecret({ namespace: ns.name, body: { metadata: { name: "later" }, stringData: { other: "y" } } });
    const noKey = await waitFor(async () => {
      const p = await core.readNamespacedPod({ name: "late", namespace: ns.name });
      return p.status?.containerStatuses?.[0].state?.waiting?.message?.includes("couldn't find key x") ? p : undefined;
    }, { what: "missing key" });
    expect(noKey.status?.phase).toBe("Pending");
    await core.patchNamespacedSecret({ name: "later", namespace: ns.name, body: { stringData: { x: "y" } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    expect((await waitTerminal(core, ns.name, "late")).status?.phase).toBe("Succeeded");
  });

  it("keeps a Pod Pending in ErrImageNeverPull when an image with imagePullPolicy Never is not on the node", async () => {
    const core = ns.kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: ns.name, body: pod("neverpull", { image: "example.com/absent:1", imagePullPolicy: "Never" }) });
    const p = await waitingWith(core, "neverpull", "ErrImageNeverPull");
    expect(p.status?.phase).toBe("Pending");
    expect(p.status?.containerStatuses?.[0].state?.waiting?.message).toBe('Container image "example.com/absent:1" is not present with pull policy of Never');
  });

  it("leaves a Pod with an unknown image Pending in ErrImagePull/ImagePullBackOff", async () => {
    const core = ns.kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: ns.name, body: pod("noimage", { image: "example.com/nope:1" }) });
    const p = await waitFor(
      async () => {
        const x = await core.readNamespacedPod({ name: "noimage", namespace: ns.name });
        return x.status?.containerStatuses?.[0].state?.waiting?.reason === "ImagePullBackOff" ? x : undefined;
      },
      { what: "ImagePullBackOff" },
    );
    expect(p.status?.phase).toBe("Pending");
    expect(p.status?.containerStatuses?.[0].state?.waiting?.message).toContain("example.com/nope:1");
  });

  it("restarts a container in place with restartPolicy OnFailure", async () => {
    const core = ns.kc.makeApiClient(CoreV1Api);
    // Fails on the first run, succeeds on the second (a marker file in the container's HOME survives the restart).
    const script = "const f = process.env.HOME + '/ran'; const fs = require('fs'); if (!fs.existsSync(f)) { fs.writeFileSync(f, '1'); process.exit(1) }";
    await core.createNamespacedPod({ namespace: ns.name, body: pod("retry", { command: ["node", "-e", script] }, { restartPolicy: "OnFailure" }) });
    const p = await waitTerminal(core, ns.name, "retry");
    expect(p.status?.phase).toBe("Succeeded");
    expect(p.status?.containerStatuses?.[0].restartCount).toBe(1);
    expect(p.status?.containerStatuses?.[0].lastState?.terminated?.exitCode).toBe(1);
  });

  it("kills the process when the Pod is deleted", async () => {
    const core = ns.kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: ns.name, body: pod("sleeper", { command: ["node", "-e", "console.log('up'); setInterval(() => {}, 1000)"] }) });
    await waitFor(async () => (await core.readNamespacedPod({ name: "sleeper", namespace: ns.name })).status?.phase === "Running", { what: "Running" });
    await waitFor(async () => (await podLogs(ns.name, "sleeper")).includes("up"), { what: "log line" });
    await core.deleteNamespacedPod({ name: "sleeper", namespace: ns.name });
    await waitFor(
      async () => {
        try {
          await core.readNamespacedPod({ name: "sleeper", namespace: ns.name });
          return false;
        } catch (err) {
          return (err as { code?: number }).code === 404;
        }
      },
      { what: "the Pod to be gone", timeoutMs: 30_000 },
    );
  });

  it("runs init containers first and enforces activeDeadlineSeconds", async () => {
    const core = ns.kc.makeApiClient(CoreV1Api);
    const body = pod(
      "init",
      { command: ["node", "-e", "console.log(require('fs').readFileSync(process.env.SHARED + '/init-ran', 'utf8'))"], env: [{ name: "SHARED", value: "$(HOME)/.." }] },
      { initContainers: [{ name: "prepare", image: "test/node", command: ["node", "-e", "require('fs').writeFileSync(process.env.HOME + '/../init-ran', 'init done')"] }] },
    );
    await core.createNamespacedPod({ namespace: ns.name, body });
    const p = await waitTerminal(core, ns.name, "init");
    expect(p.status?.phase).toBe("Succeeded");
    expect(p.status?.initContainerStatuses?.[0].state?.terminated?.reason).toBe("Completed");
    expect(await podLogs(ns.name, "init")).toContain("init done");

    await core.createNamespacedPod({ namespace: ns.name, body: pod("slow", { command: ["node", "-e", "setInterval(() => {}, 1000)"] }, { activeDeadlineSeconds: 2 }) });
    const slow = await waitTerminal(core, ns.name, "slow");
    expect(slow.status?.phase).toBe("Failed");
    expect(slow.status?.reason).toBe("DeadlineExceeded");
  });

  it("runs a Pod's process as its ServiceAccount (RBAC enforced)", async () => {
    const core = ns.kc.makeApiClient(CoreV1Api);
    const rbac = ns.kc.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: "reader" } } });
    await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: "visible" }, data: { a: "b" } } });
    const sh = "kubectl auth whoami -o jsonpath='{.status.userInfo.username}'; echo; kubectl get configmaps -o name";
    const body = (name: string) => pod(name, { command: ["sh", "-c", sh] }, { serviceAccountName: "reader" });

    await core.createNamespacedPod({ namespace: ns.name, body: body("denied") });
    const denied = await waitTerminal(core, ns.name, "denied");
    const deniedLog = await podLogs(ns.name, "denied");
    expect(denied.status?.phase, deniedLog).toBe("Failed");
    expect(deniedLog).toContain(`system:serviceaccount:${ns.name}:reader`);
    expect(deniedLog).toMatch(/forbidden/i);

    await rbac.createNamespacedRole({ namespace: ns.name, body: { metadata: { name: "cm-reader" }, rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }] } });
    await rbac.createNamespacedRoleBinding({
      namespace: ns.name,
      body: { metadata: { name: "cm-reader" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "cm-reader" }, subjects: [{ kind: "ServiceAccount", name: "reader", namespace: ns.name }] },
    });
    await core.createNamespacedPod({ namespace: ns.name, body: body("allowed") });
    const allowed = await waitTerminal(core, ns.name, "allowed");
    const allowedLog = await podLogs(ns.name, "allowed");
    expect(allowed.status?.phase, allowedLog).toBe("Succeeded");
    expect(allowedLog).toContain("configmap/visible");
  });
});
