/**
 * The real node itself: a Pod of the project's image runs in a runc container under the kubelet,
 * with what a user's cluster enforces (non-root, read-only root filesystem, no capabilities,
 * RuntimeDefault seccomp), resolves Service names through CoreDNS and reaches the API server through
 * the `kubernetes` Service with its ServiceAccount token.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containersOf, describeContainers, enforcedSpec, imageTag, kubectl, realNodeImages } from "../support/node/pods.js";

// Runs inside the container: prints one JSON line of what it observed.
const probe = `
const fs = require("node:fs"), dns = require("node:dns/promises"), https = require("node:https");
(async () => {
  const out = { uid: process.getuid(), gid: process.getgid() };
  try { fs.writeFileSync("/probe", "x"); out.rootWrite = "ok"; } catch (e) { out.rootWrite = e.code; }
  try { fs.writeFileSync("/tmp/probe", "x"); out.tmpWrite = "ok"; } catch (e) { out.tmpWrite = e.code; }
  const status = fs.readFileSync("/proc/self/status", "utf8");
  out.capEff = /CapEff:\\s+(\\S+)/.exec(status)[1];
  out.seccomp = /Seccomp:\\s+(\\S+)/.exec(status)[1];
  out.noNewPrivs = /NoNewPrivs:\\s+(\\S+)/.exec(status)[1];
  out.kubernetes = (await dns.lookup("kubernetes.default.svc")).address;
  out.dnsService = (await dns.lookup("kube-dns.kube-system")).address;
  try { await dns.lookup("example.com"); out.outside = "resolved"; } catch (e) { out.outside = e.code; }
  const sa = "/var/run/secrets/kubernetes.io/serviceaccount";
  const token = fs.readFileSync(sa + "/token", "utf8"), ns = fs.readFileSync(sa + "/namespace", "utf8");
  const get = (p) => new Promise((resolve, reject) => https.get({ host: "kubernetes.default.svc", path: p, ca: fs.readFileSync(sa + "/ca.crt"), headers: { authorization: "Bearer " + token } }, (r) => { r.resume(); resolve(r.statusCode); }).on("error", reject));
  out.apiPods = await get("/api/v1/namespaces/" + ns + "/pods");
  out.apiVersion = await get("/version");
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;

const ns = `real-node-${process.pid}`;

describe("the real node", () => {
  beforeAll(() => {
    kubectl(["create", "namespace", ns]);
  });
  afterAll(() => {
    kubectl(["delete", "namespace", ns, "--wait=false"]);
  });

  it("runs the project's image in a container with the restrictions runc enforces, Service DNS and the API server through the kubernetes Service", () => {
    const image = imageTag("bugforge");
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "probe", namespace: ns },
      spec: {
        restartPolicy: "Never",
        securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
          {
            name: "probe",
            image,
            imagePullPolicy: "Never",
            command: ["node", "-e", probe],
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
          },
        ],
        volumes: [{ name: "tmp", emptyDir: {} }],
      },
    };
    kubectl(["apply", "-f", "-"], JSON.stringify(pod));
    kubectl(["-n", ns, "wait", "pod/probe", "--for=jsonpath={.status.phase}=Succeeded", "--timeout=180s"]);
    const seen = JSON.parse(kubectl(["-n", ns, "logs", "probe"]).trim().split("\n").pop()!) as Record<string, unknown>;
    const containers = containersOf(ns);
    console.log(`probe Pod ran in:\n${describeContainers(containers)}\nit saw: ${JSON.stringify(seen)}`);

    expect(containers).toHaveLength(1);
    expect(containers[0].containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    const imported = realNodeImages().find((i) => i.name === "bugforge")!;
    expect(containers[0].imageID).toBe(imported.imageID);
    expect(seen).toMatchObject({
      uid: 10001,
      gid: 10001,
      rootWrite: "EROFS",
      tmpWrite: "ok",
      capEff: "0000000000000000",
      seccomp: "2",
      noNewPrivs: "1",
      kubernetes: "10.0.0.1",
      dnsService: "10.0.0.10",
      // The default ServiceAccount may not list Pods (RBAC is enforced), but is authenticated.
      apiPods: 403,
      apiVersion: 200,
    });
    expect(seen.outside).not.toBe("resolved");
    // ... because runc was told to: the OCI spec containerd generated from the Pod.
    expect(enforcedSpec(containers[0].containerID)).toEqual({ uid: 10001, readonlyRoot: true, noNewPrivileges: true, capabilities: [], seccompDefaultAction: "SCMP_ACT_ERRNO" });
  });

  it("runs CoreDNS from the image built here, ready, at the kubelet's clusterDNS address", () => {
    const containers = containersOf("kube-system", "k8s-app=kube-dns");
    console.log(`CoreDNS:\n${describeContainers(containers)}`);
    expect(containers.length).toBeGreaterThan(0);
    expect(containers[0].image).toBe(imageTag("coredns"));
    expect(kubectl(["-n", "kube-system", "get", "svc", "kube-dns", "-o", "jsonpath={.spec.clusterIP}"])).toBe("10.0.0.10");
    expect(kubectl(["-n", "kube-system", "get", "endpointslices", "-l", "kubernetes.io/service-name=kube-dns", "-o", "jsonpath={.items[*].endpoints[*].conditions.ready}"])).toContain("true");
  });
});
