/**
 * A real Kubernetes node for tests: the images built from the project's Dockerfiles run as
 * containers (Debian's containerd 1.6 + runc, CNI bridge) under a real kubelet and kube-proxy
 * (v1.34.4, built from test/controlplane's go.mod), with CoreDNS in the cluster, against the test
 * control plane started with its API server on the bridge IP (so Pods reach it through the
 * `kubernetes` Service) and the controllers a real node needs.
 *
 *   const node = await startRealNode({ log: console.log });
 *   // node.kubeconfigPath, node.images (tag -> digest), node.controlPlane ...
 *   await node.stop();
 *
 * One node per machine (containerd, the kubelet's fixed paths, the bridge and iptables are
 * machine-wide): startRealNode() takes a lock (waiting for another run's node), cleans up what a
 * killed run left, and stop() tears everything down again even after a failed start. Needs root,
 * containerd, runc, containernetworking-plugins, iptables (see .ci/run) and `npm run images`.
 *
 * Start order (each step waits for the one before): bridge, containerd (+ image import), control
 * plane, kubelet, Node Ready, kube-proxy, CoreDNS.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildControlPlane, controlPlaneDir, defaultControllers, startControlPlane, type ControlPlane } from "../controlplane.js";
import { createBridge, startContainerd } from "./containerd.js";
import { corednsManifests } from "./coredns.js";
import { importImages, readImageIndex, requireImages, type ImportedImage } from "./images.js";
import { startKubeProxy } from "./kube-proxy.js";
import { startKubelet } from "./kubelet.js";
import { bridgeIP, nodeName, paths } from "./layout.js";
import { acquireNodeLock } from "./lock.js";
import type { NodeProcess } from "./process.js";
import { kubectlBinary, sh, sleep } from "./sh.js";
import { teardownNode } from "./teardown.js";

export { nodeName, bridgeIP, clusterDNSIP, podCIDR, serviceCIDR } from "./layout.js";
export type { ImportedImage } from "./images.js";

/** Controllers the test controller-manager runs for a real node (defaults plus Service endpoints and node lifecycle). */
export const realNodeControllers = [
  ...defaultControllers,
  "endpoints-controller",
  "endpointslice-controller",
  "endpointslice-mirroring-controller",
  "node-lifecycle-controller",
];

export interface RealNodeOptions {
  /** Run the (cached) builds first: control plane, kubelet and kube-proxy, and this checkout's images (default true). */
  build?: boolean;
  /** Image names from the image index to import (default: every image in it). pause and coredns are always imported. */
  images?: string[];
  /** Progress messages. */
  log?: (msg: string) => void;
  /** How long to wait for the Node and CoreDNS (default 180 s). */
  startTimeoutMs?: number;
}

export interface RealNode {
  controlPlane: ControlPlane;
  /** Admin kubeconfig (the API server at https://<bridge IP>:<port>). */
  kubeconfigPath: string;
  nodeName: string;
  /** The images in containerd, with their digests. */
  images: ImportedImage[];
  /** Milliseconds per start step, and `total`. */
  timings: Record<string, number>;
  /** Log files of containerd, kubelet, kube-proxy (control plane logs: controlPlane.logDir). */
  logs: Record<string, string>;
  /** `kubectl` with the admin kubeconfig; throws with stderr on failure. */
  kubectl(args: string[], input?: string): string;
  /** Stops everything and removes the node's state; throws listing any step that failed. */
  stop(): Promise<void>;
}

/** Runs `test/controlplane/build.sh node` (kubelet, kube-proxy; a no-op when its stamp matches). */
export function buildNodeBinaries(opts: { quiet?: boolean } = {}): void {
  const r = spawnSync("bash", [path.join(controlPlaneDir, "build.sh"), "node"], {
    stdio: opts.quiet ? ["ignore", "pipe", "pipe"] : "inherit",
    env: { ...process.env, ...(opts.quiet ? { CONTROLPLANE_QUIET: "1" } : {}) },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`test/controlplane/build.sh node failed (exit ${r.status})${opts.quiet ? `:\n${r.stdout}\n${r.stderr}` : ""}`);
}

/**
 * Runs `scripts/images.sh` (buildah): brings this checkout's images up to date in the shared image
 * cache — a no-op of a few seconds when their input hashes match, so the node never runs images
 * another checkout built into the same cache.
 */
export function buildImages(opts: { quiet?: boolean } = {}): void {
  const r = spawnSync("bash", [path.join(controlPlaneDir, "../../scripts/images.sh")], {
    stdio: opts.quiet ? ["ignore", "pipe", "pipe"] : "inherit",
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`scripts/images.sh failed (exit ${r.status})${opts.quiet ? `:\n${String(r.stdout).slice(-4000)}\n${String(r.stderr).slice(-4000)}` : ""}`);
}

export function kubectlWith(kubeconfig: string) {
  const bin = kubectlBinary();
  return (args: string[], input?: string): string => sh(bin, [`--kubeconfig=${kubeconfig}`, ...args], { input, timeoutMs: 120_000 }).stdout;
}

export async function startRealNode(opts: RealNodeOptions = {}): Promise<RealNode> {
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  let mark = t0;
  const lap = (name: string) => {
    timings[name] = Date.now() - mark;
    mark = Date.now();
  };
  if (process.getuid?.() !== 0) throw new Error("the real node needs root (containerd, the bridge, iptables)");
  for (const tool of ["containerd", "runc", "ctr", "ip", "iptables"]) {
    if (sh("sh", ["-c", `command -v ${tool}`], { allowFail: true }).status !== 0) throw new Error(`${tool} not found: the real node needs Debian's containerd, runc, containernetworking-plugins and iptables (see .ci/run)`);
  }
  if (opts.build ?? true) {
    buildControlPlane({ quiet: true });
    buildNodeBinaries({ quiet: true });
    buildImages({ quiet: true });
    lap("build");
  }
  const index = readImageIndex();
  const [pause, coredns] = requireImages(index, ["pause", "coredns"]);
  const wanted = opts.images ? requireImages(index, opts.images) : [...index.values()].filter((i) => i.name !== "node-base");
  const toImport = [...new Map([pause, coredns, ...wanted].map((i) => [i.name, i])).values()];

  const lock = await acquireNodeLock({ log });
  lap("lock");
  const leftovers = await teardownNode();
  if (leftovers.removed.length) log(`removed a previous run's node: ${leftovers.removed.join(", ")}`);
  if (leftovers.errors.length) {
    lock.release();
    throw new Error(`could not clean up a previous run's node: ${leftovers.errors.join("; ")}`);
  }
  lap("cleanup");

  const procs: NodeProcess[] = [];
  let controlPlane: ControlPlane | undefined;
  let stopped = false;
  /** Copies the node's and control plane's logs out before teardown removes them. */
  const saveLogs = (): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "bugforge-node-logs-"));
    if (existsSync(paths.logs)) cpSync(paths.logs, path.join(dir, "node"), { recursive: true });
    if (controlPlane && existsSync(controlPlane.logDir)) cpSync(controlPlane.logDir, path.join(dir, "controlplane"), { recursive: true });
    return dir;
  };
  const stop = async (keepLogs = !!process.env.BUGFORGE_NODE_KEEP_LOGS): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const t = Date.now();
    if (keepLogs) log(`logs kept in ${saveLogs()}`);
    const res = await teardownNode();
    await controlPlane?.stop().catch((err: unknown) => res.errors.push(`control plane: ${String(err)}`));
    lock.release();
    log(`real node stopped in ${Date.now() - t} ms (${res.removed.join(", ")})`);
    if (res.errors.length) throw new Error(`real node teardown left state behind: ${res.errors.join("; ")}`);
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 180_000);
  const waitFor = async (what: string, check: () => boolean | Promise<boolean>) => {
    for (;;) {
      const dead = procs.find((p) => p.exitCode() !== undefined);
      if (dead) throw new Error(`${dead.name} exited (code ${dead.exitCode()}) while waiting for ${what}; log ${dead.logFile}:\n${dead.tail()}`);
      if (await Promise.resolve(check()).catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; logs in ${paths.logs}\n${procs.map((p) => `--- ${p.name}:\n${p.tail(15)}`).join("\n")}`);
      await sleep(500);
    }
  };

  try {
    createBridge();
    procs.push(await startContainerd(pause.tag));
    lap("containerd");
    const images = importImages(toImport, log);
    lap("images");

    controlPlane = await startControlPlane({ apiServerAddress: bridgeIP, controllers: realNodeControllers, log });
    lap("controlPlane");
    const kubectl = kubectlWith(controlPlane.kubeconfigPath);
    const binDir = path.join(controlPlaneDir, "bin");

    procs.push(
      startKubelet({
        binary: path.join(binDir, "kubelet"),
        kubeconfigPath: controlPlane.userKubeconfig(`system:node:${nodeName}`, ["system:nodes"]),
        caPath: controlPlane.caPath,
      }),
    );
    await waitFor(`Node ${nodeName} Ready`, () => {
      const out = sh(kubectlBinary(), [`--kubeconfig=${controlPlane!.kubeconfigPath}`, "get", "node", nodeName, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"], { allowFail: true });
      return out.stdout.trim() === "True";
    });
    lap("kubelet");

    procs.push(startKubeProxy({ binary: path.join(binDir, "kube-proxy"), kubeconfigPath: controlPlane.userKubeconfig("system:kube-proxy") }));
    kubectl(["apply", "-f", "-"], corednsManifests(coredns.tag));
    // kube-proxy has programmed Services once the `kubernetes` Service's DNAT rule exists.
    await waitFor("kube-proxy's rules for the kubernetes Service", () => sh("iptables", ["-w", "-t", "nat", "-S", "KUBE-SERVICES"], { allowFail: true }).stdout.includes("default/kubernetes:https"));
    lap("kubeProxy");
    await waitFor("CoreDNS available", () => kubectl(["-n", "kube-system", "get", "deploy", "coredns", "-o", "jsonpath={.status.availableReplicas}"]).trim() === "1");
    lap("coredns");
    timings.total = Date.now() - t0;
    log(`real node ${nodeName} ready in ${timings.total} ms (${Object.entries(timings).map(([k, v]) => `${k} ${v}`).join(", ")})`);
    return {
      controlPlane,
      kubeconfigPath: controlPlane.kubeconfigPath,
      nodeName,
      images,
      timings,
      logs: Object.fromEntries(procs.map((p) => [p.name, p.logFile])),
      kubectl,
      stop: () => stop(),
    };
  } catch (err) {
    // Keep the node's logs in the error: teardown removes them.
    await stop(true).catch((e: unknown) => log(String(e)));
    throw err;
  }
}
