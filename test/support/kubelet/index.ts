/**
 * A test kubelet: registers a Node, keeps its Lease and Ready condition fresh,
 * watches the Pods bound to it and runs their containers as local processes
 * (see pod.ts for the termination-log and service-account contracts and
 * images.ts for the image-table contract).
 *
 * It also serves the kubelet's /containerLogs endpoint over HTTPS on 127.0.0.1
 * (self-signed; the API server does not verify kubelet certificates unless told
 * to), so `kubectl logs` and the pods/log API work.
 */
import { spawnSync } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { CoordinationV1Api, CoreV1Api, KubeConfig, PatchStrategy, Watch, setHeaderOptions, type V1Node, type V1Pod, type V1Taint } from "@kubernetes/client-node";
import { PodWorker, now, type PodHost } from "./pod.js";
import type { ImageTable } from "./images.js";

export type { ImageTable, ImageEntry, ImageSpec } from "./images.js";
export { lookupImage, resolveCommand, stripTag } from "./images.js";

export interface KubeletOptions {
  /** Kubeconfig with rights to manage Nodes, Leases, Pods and to create tokens (the admin kubeconfig). */
  kubeconfigPath: string;
  nodeName: string;
  /** Node capacity; default cpu 8, memory 32Gi, pods 110. Add "nvidia.com/gpu" for a GPU node. */
  capacity?: Record<string, string>;
  /** Node allocatable (default: capacity). */
  allocatable?: Record<string, string>;
  labels?: Record<string, string>;
  taints?: V1Taint[];
  /** Image -> local entrypoint table (see images.ts). */
  images: ImageTable;
  /** Where Pod folders (logs, termination logs, tokens) go (default: a new temp dir, removed on stop()). */
  workDir?: string;
  /** Environment every container process starts from (default: PATH, LANG, TMPDIR from this process). */
  baseEnv?: Record<string, string>;
  /** Heartbeat interval for the Lease and Ready condition (default 10 s). */
  heartbeatMs?: number;
  /** Cap on the termination grace period (default 10 s). */
  maxGraceSeconds?: number;
  /** Serve /containerLogs for `kubectl logs` (default true). */
  logServer?: boolean;
  /** Delete the Node object on stop() (default true). */
  deleteNodeOnStop?: boolean;
  log?: (msg: string) => void;
}

export interface Kubelet {
  nodeName: string;
  workDir: string;
  /** The container's log (current run, or the previous one); "" when there is none. Container defaults to the first. */
  logs(namespace: string, pod: string, container?: string, opts?: { previous?: boolean }): string;
  /** Path of the container's current log file, if the Pod ran here. */
  logPath(namespace: string, pod: string, container?: string, opts?: { previous?: boolean }): string | undefined;
  /** Kills all Pod processes (SIGTERM, then SIGKILL), stops heartbeats and the watch, deletes the Node (by default). */
  stop(): Promise<void>;
}

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** MicroTime: RFC 3339 with exactly six fractional digits. */
function microNow(): string {
  return new Date().toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function errCode(err: unknown): number | undefined {
  return typeof err === "object" && err !== null ? (err as { code?: number }).code : undefined;
}

function selfSignedCert(dir: string, cn: string): { key: string; cert: string } {
  const key = path.join(dir, "kubelet.key");
  const crt = path.join(dir, "kubelet.crt");
  const r = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", crt, "-days", "3650", "-subj", `/CN=${cn}`, "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { key: readFileSync(key, "utf8"), cert: readFileSync(crt, "utf8") };
}

export async function startKubelet(opts: KubeletOptions): Promise<Kubelet> {
  const log = opts.log ?? (() => {});
  const kc = new KubeConfig();
  kc.loadFromFile(opts.kubeconfigPath);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`no current cluster in ${opts.kubeconfigPath}`);
  const caData = cluster.caData ? Buffer.from(cluster.caData, "base64").toString("utf8") : cluster.caFile ? readFileSync(cluster.caFile, "utf8") : "";
  const core = kc.makeApiClient(CoreV1Api);
  const coord = kc.makeApiClient(CoordinationV1Api);
  const ownWorkDir = !opts.workDir;
  const workDir = opts.workDir ?? mkdtempSync(path.join(os.tmpdir(), `bugforge-kubelet-${opts.nodeName}-`));
  const podsDir = path.join(workDir, "pods");
  mkdirSync(podsDir, { recursive: true });
  const nodeName = opts.nodeName;

  const workers = new Map<string, PodWorker>(); // by uid
  const byName = new Map<string, PodWorker>(); // "ns/name" -> latest worker (kept after deletion for logs)
  const host: PodHost = {
    core,
    nodeName,
    images: opts.images,
    server: cluster.server,
    caData,
    baseEnv: opts.baseEnv ?? Object.fromEntries(Object.entries({ PATH: process.env.PATH, LANG: process.env.LANG ?? "C.UTF-8", TMPDIR: os.tmpdir() }).filter((e): e is [string, string] => e[1] !== undefined)),
    podsDir,
    log,
    maxGraceSeconds: opts.maxGraceSeconds ?? 10,
  };

  // ------------------------------------------------------------ log server
  let logPort = 0;
  let logServer: https.Server | undefined;
  if (opts.logServer ?? true) {
    const tls = selfSignedCert(workDir, nodeName);
    logServer = https.createServer(tls, (req, res) => {
      const url = new URL(req.url ?? "/", "https://127.0.0.1");
      const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (req.method !== "GET" || !m) {
        res.writeHead(404).end("not found\n");
        return;
      }
      const [ns, pod, container] = m.slice(1).map(decodeURIComponent);
      const w = byName.get(`${ns}/${pod}`);
      const file = w?.logFile(container, url.searchParams.get("previous") === "true");
      if (!w || !file) {
        res.writeHead(404).end(`container "${container}" in pod "${pod}" is not known to this kubelet\n`);
        return;
      }
      if (!existsSync(file)) {
        res.writeHead(400).end(`container "${container}" in pod "${pod}" is waiting to start\n`);
        return;
      }
      res.writeHead(200, { "Content-Type": "text/plain" });
      const tailLines = url.searchParams.get("tailLines");
      const limitBytes = Number(url.searchParams.get("limitBytes") ?? 0);
      const follow = url.searchParams.get("follow") === "true";
      if (!follow) {
        let text = readFileSync(file, "utf8");
        if (tailLines !== null) {
          const lines = text.split("\n");
          if (lines[lines.length - 1] === "") lines.pop();
          text = lines.slice(-Number(tailLines) || lines.length).join("\n") + (lines.length ? "\n" : "");
          if (Number(tailLines) === 0) text = "";
        }
        if (limitBytes > 0) text = Buffer.from(text).subarray(0, limitBytes).toString("utf8");
        res.end(text);
        return;
      }
      // follow: stream what is there, then poll for more until the process exits.
      let offset = 0;
      let closed = false;
      req.on("close", () => (closed = true));
      const pump = async () => {
        for (;;) {
          const size = statSync(file).size;
          if (size > offset) {
            await new Promise<void>((resolve) => {
              const s = createReadStream(file, { start: offset, end: size - 1 });
              s.on("data", (d) => res.write(d));
              s.on("end", resolve);
              s.on("error", () => resolve());
            });
            offset = size;
          }
          if (closed) return;
          if (!w.isRunning(container)) {
            if (statSync(file).size === offset) break;
            continue;
          }
          await sleep(200);
        }
        res.end();
      };
      void pump();
    });
    await new Promise<void>((resolve, reject) => {
      logServer!.once("error", reject);
      logServer!.listen(0, "127.0.0.1", () => resolve());
    });
    logPort = (logServer.address() as AddressInfo).port;
  }

  // ------------------------------------------------------------ node
  const capacity = { cpu: "8", memory: "32Gi", pods: "110", "ephemeral-storage": "100Gi", ...(opts.capacity ?? {}) };
  const allocatable = { ...capacity, ...(opts.allocatable ?? {}) };
  const conditions = () => {
    const t = now();
    const c = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: t, lastTransitionTime: startedAt });
    return [
      c("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
      c("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
      c("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
      c("Ready", "True", "KubeletReady", "test kubelet is posting ready status"),
    ];
  };
  const startedAt = now();
  const nodeStatus = () => ({
    capacity,
    allocatable,
    conditions: conditions(),
    addresses: [
      { type: "InternalIP", address: "127.0.0.1" },
      { type: "Hostname", address: nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: logPort } },
    nodeInfo: {
      machineID: nodeName,
      systemUUID: nodeName,
      bootID: startedAt,
      kernelVersion: os.release(),
      osImage: "bugforge test kubelet",
      containerRuntimeVersion: "process://1",
      kubeletVersion: "v1.34.4",
      kubeProxyVersion: "",
      operatingSystem: "linux",
      architecture: os.arch() === "x64" ? "amd64" : os.arch(),
    },
  });
  const node: V1Node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: nodeName,
      labels: { "kubernetes.io/hostname": nodeName, "kubernetes.io/os": "linux", "kubernetes.io/arch": os.arch() === "x64" ? "amd64" : os.arch(), ...(opts.labels ?? {}) },
    },
    spec: { taints: opts.taints },
    status: nodeStatus() as unknown as V1Node["status"],
  };
  let nodeUid: string | undefined;
  try {
    nodeUid = (await core.createNode({ body: node })).metadata?.uid;
  } catch (err) {
    if (errCode(err) !== 409) throw err;
    const existing = await core.patchNode({ name: nodeName, body: { metadata: { labels: node.metadata!.labels }, spec: { taints: opts.taints ?? null } } }, mergePatch);
    nodeUid = existing.metadata?.uid;
  }
  // The TaintNodesByCondition admission plugin adds node.kubernetes.io/not-ready on
  // create (the node-lifecycle controller, which is not run, would lift it): set the
  // taints we want, and the status (ignored on create by some versions).
  await core.patchNode({ name: nodeName, body: { spec: { taints: opts.taints ?? [] } } }, mergePatch);
  await core.patchNodeStatus({ name: nodeName, body: { status: nodeStatus() } }, mergePatch);

  const leaseNs = "kube-node-lease";
  const renewLease = async () => {
    try {
      await coord.patchNamespacedLease({ name: nodeName, namespace: leaseNs, body: { spec: { holderIdentity: nodeName, renewTime: microNow() } } }, mergePatch);
    } catch (err) {
      if (errCode(err) !== 404) throw err;
      await coord.createNamespacedLease({
        namespace: leaseNs,
        body: {
          metadata: { name: nodeName, namespace: leaseNs, ownerReferences: nodeUid ? [{ apiVersion: "v1", kind: "Node", name: nodeName, uid: nodeUid }] : undefined },
          spec: { holderIdentity: nodeName, leaseDurationSeconds: 40, renewTime: microNow() as unknown as Date },
        },
      });
    }
  };
  await renewLease();
  let stopped = false;
  const heartbeat = setInterval(() => {
    if (stopped) return;
    void renewLease().catch((err) => log(`lease renew failed: ${String(err)}`));
    void core.patchNodeStatus({ name: nodeName, body: { status: { conditions: conditions() } } }, mergePatch).catch((err) => log(`node status update failed: ${String(err)}`));
  }, opts.heartbeatMs ?? 10_000);

  // ------------------------------------------------------------ pods
  const upsert = (pod: V1Pod) => {
    const uid = pod.metadata?.uid;
    if (!uid || pod.spec?.nodeName !== nodeName) return;
    const w = workers.get(uid);
    if (w) {
      w.update(pod);
      return;
    }
    const nw = new PodWorker(host, pod);
    workers.set(uid, nw);
    byName.set(`${pod.metadata!.namespace}/${pod.metadata!.name}`, nw);
    nw.start();
    if (pod.metadata?.deletionTimestamp) nw.update(pod);
  };
  const remove = (uid: string) => {
    const w = workers.get(uid);
    if (!w) return;
    w.forget();
    workers.delete(uid);
  };

  const watch = new Watch(kc);
  let abort: AbortController | undefined;
  const fieldSelector = `spec.nodeName=${nodeName}`;
  const loop = async () => {
    let backoff = 250;
    while (!stopped) {
      try {
        const list = await core.listPodForAllNamespaces({ fieldSelector });
        const seen = new Set<string>();
        for (const p of list.items) {
          seen.add(p.metadata!.uid!);
          upsert(p);
        }
        for (const uid of [...workers.keys()]) if (!seen.has(uid)) remove(uid);
        let rv = list.metadata?.resourceVersion;
        await new Promise<void>((resolve) => {
          void watch
            .watch(
              "/api/v1/pods",
              { fieldSelector, resourceVersion: rv, allowWatchBookmarks: true },
              (type: string, obj: V1Pod & { code?: number }) => {
                backoff = 250;
                if (type === "ERROR") {
                  // 410 Gone and everything else: relist.
                  abort?.abort();
                  resolve();
                  return;
                }
                if (obj.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
                if (type === "ADDED" || type === "MODIFIED") upsert(obj);
                else if (type === "DELETED" && obj.metadata?.uid) remove(obj.metadata.uid);
              },
              (err: unknown) => {
                if (err && !stopped) log(`pod watch ended: ${String(err)}`);
                resolve();
              },
            )
            .then((a) => {
              abort = a;
              if (stopped) a.abort();
            })
            .catch((err: unknown) => {
              log(`pod watch failed: ${String(err)}`);
              resolve();
            });
        });
      } catch (err) {
        if (!stopped) log(`pod list failed: ${String(err)}`);
      }
      if (stopped) break;
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 5000);
    }
  };
  const loopDone = loop();

  const findLog = (ns: string, pod: string, container?: string, o?: { previous?: boolean }) => byName.get(`${ns}/${pod}`)?.logFile(container, o?.previous);

  return {
    nodeName,
    workDir,
    logPath: findLog,
    logs(ns, pod, container, o) {
      const f = findLog(ns, pod, container, o);
      try {
        return f ? readFileSync(f, "utf8") : "";
      } catch {
        return "";
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(heartbeat);
      abort?.abort();
      await Promise.all([...workers.values()].map((w) => w.shutdown(2000)));
      await loopDone.catch(() => {});
      logServer?.close();
      logServer?.closeAllConnections();
      if (opts.deleteNodeOnStop ?? true) {
        await core.deleteNode({ name: nodeName }).catch(() => {});
      }
      if (ownWorkDir && !process.env.KEEP_CONTROLPLANE_DIR) rmSync(workDir, { recursive: true, force: true });
    },
  };
}
