/**
 * Where the real node keeps its state, and the fixed addresses it uses. One node per machine:
 * these paths, the bridge and the iptables chains are machine-wide (see test/support/node/index.ts).
 */
import path from "node:path";

export const nodeName = "bugforge-node";

/** The Linux bridge Pods attach to; its IP is the node's InternalIP and where kube-apiserver listens. */
export const bridgeName = "bugforge0";
export const bridgeIP = "10.244.0.1";
export const podCIDR = "10.244.0.0/24";
/** kube-apiserver's --service-cluster-ip-range (the control plane's default). */
export const serviceCIDR = "10.0.0.0/24";
/** The CoreDNS Service's ClusterIP, the kubelet's clusterDNS. */
export const clusterDNSIP = "10.0.0.10";
export const clusterDomain = "cluster.local";
/** The CNI network name (also names host-local's IP allocations). */
export const cniNetwork = "bugforge";

/** Kept between runs: containerd's content store and snapshots (an image cache; imports take ~4 s instead of ~45 s). */
export const persistentRoot = process.env.BUGFORGE_NODE_ROOT ?? "/var/lib/bugforge-node";
export const containerdRoot = path.join(persistentRoot, "containerd");
/** Wiped on every start and stop: kubelet root, CNI config and IP allocations, pod logs, configs, logs of the node's processes. */
export const nodeDir = path.join(persistentRoot, "node");
/** Wiped on every start and stop: sockets, containerd's state (shim sockets, network namespaces), pid files. */
export const runDir = "/run/bugforge-node";

export const paths = {
  containerdSocket: path.join(runDir, "containerd.sock"),
  containerdState: path.join(runDir, "containerd"),
  pids: path.join(runDir, "pids"),
  kubeletRoot: path.join(nodeDir, "kubelet"),
  podLogs: path.join(nodeDir, "pod-logs"),
  cniConf: path.join(nodeDir, "cni"),
  cniIPAM: path.join(nodeDir, "cni-ipam"),
  config: path.join(nodeDir, "config"),
  logs: path.join(nodeDir, "logs"),
  /** Fixed by the kubelet: its device-plugin socket folder. */
  devicePlugins: "/var/lib/kubelet/device-plugins",
  /** Fixed by the kubelet: symlinks to the pod logs. */
  containerLogLinks: "/var/log/containers",
  /** libcni's result cache (containerd 1.6 uses the default). */
  cniCache: "/var/lib/cni",
  lock: "/run/bugforge-node.lock",
};

/** Directories whose mounts are unmounted on teardown (Pod volumes, snapshots, network namespaces). */
export const mountRoots = [nodeDir, runDir, containerdRoot];

/** CNI bridge plugin binaries (Debian's containernetworking-plugins). */
export const cniBinDir = "/usr/lib/cni";
