/**
 * containerd (Debian's 1.6) with its own config, socket, root and state folders, runc with cgroupfs,
 * the CNI bridge, and the pause image as its sandbox image. The settings come from
 * ../../../../shared/real-node.md (each one was needed on these machines).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { bridgeName, cniBinDir, cniNetwork, containerdRoot, paths, podCIDR, bridgeIP } from "./layout.js";
import { launch, type NodeProcess } from "./process.js";
import { sh, sleep } from "./sh.js";

export function containerdConfig(sandboxImage: string): string {
  return `version = 2
root = "${containerdRoot}"
state = "${paths.containerdState}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "${paths.containerdSocket}"

[ttrpc]
  address = "${paths.containerdSocket}.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "${path.join(containerdRoot, "opt")}"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${sandboxImage}"
  # Processes here lack CAP_SYS_RESOURCE: without this every sandbox fails with
  # "runc create failed: ... can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  disable_apparmor = true
  tolerate_missing_hugetlb_controller = true
  # Network namespaces under the state folder (not /var/run/netns), so teardown finds them.
  netns_mounts_under_state_dir = true
  enable_selinux = false

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${cniBinDir}"
    conf_dir = "${paths.cniConf}"
    max_conf_num = 1
`;
}

/** The CNI network: our bridge, host-local IPs from the Pod range, no masquerading (nothing leaves the machine). */
export function cniConfig(): string {
  return JSON.stringify(
    {
      cniVersion: "1.0.0",
      name: cniNetwork,
      plugins: [
        {
          type: "bridge",
          bridge: bridgeName,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: { type: "host-local", dataDir: paths.cniIPAM, ranges: [[{ subnet: podCIDR, gateway: bridgeIP }]], routes: [{ dst: "0.0.0.0/0" }] },
        },
        { type: "loopback" },
      ],
    },
    null,
    2,
  );
}

/** The bridge exists before anything else: kube-apiserver binds its IP. */
export function createBridge(): void {
  sh("ip", ["link", "add", bridgeName, "type", "bridge"]);
  sh("ip", ["addr", "add", `${bridgeIP}/${podCIDR.split("/")[1]}`, "dev", bridgeName]);
  sh("ip", ["link", "set", bridgeName, "up"]);
}

export function ctr(args: string[], opts: { allowFail?: boolean; timeoutMs?: number } = {}) {
  return sh("ctr", ["--address", paths.containerdSocket, "--namespace", "k8s.io", ...args], { timeoutMs: 300_000, ...opts });
}

export async function startContainerd(sandboxImage: string): Promise<NodeProcess> {
  for (const d of [paths.config, paths.cniConf, paths.cniIPAM, paths.containerdState, containerdRoot]) mkdirSync(d, { recursive: true });
  const conf = path.join(paths.config, "containerd.toml");
  writeFileSync(conf, containerdConfig(sandboxImage));
  writeFileSync(path.join(paths.cniConf, `10-${cniNetwork}.conflist`), cniConfig());
  const proc = launch("containerd", "containerd", ["--config", conf, "--log-level", "info"]);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode() !== undefined) throw new Error(`containerd exited (code ${proc.exitCode()}); log ${proc.logFile}:\n${proc.tail()}`);
    if (ctr(["version"], { allowFail: true, timeoutMs: 5000 }).status === 0) return proc;
    if (Date.now() > deadline) throw new Error(`containerd did not answer on ${paths.containerdSocket} in 60 s; log ${proc.logFile}:\n${proc.tail()}`);
    await sleep(200);
  }
}
