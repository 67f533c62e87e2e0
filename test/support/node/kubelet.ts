/**
 * The real kubelet (v1.34.4, built by `test/controlplane/build.sh node`) against this node's
 * containerd: cgroupfs, the bridge IP as node IP and serving address (kube-apiserver reaches it there
 * for logs and exec, and checks nothing else listens on the machine's own interface), x509 + webhook
 * authentication and webhook authorization (kube-apiserver calls it with a client cert from the
 * cluster CA), clusterDNS = the CoreDNS Service.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { bridgeIP, clusterDNSIP, clusterDomain, nodeName, paths } from "./layout.js";
import { launch, type NodeProcess } from "./process.js";

export function kubeletConfig(caPath: string): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${bridgeIP}
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
containerRuntimeEndpoint: unix://${paths.containerdSocket}
# containerd 1.6 does not answer the CRI RuntimeConfig call, so the kubelet's own driver is used.
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: ${caPath} }
authorization:
  mode: Webhook
clusterDNS: [${clusterDNSIP}]
clusterDomain: ${clusterDomain}
resolvConf: /etc/resolv.conf
volumePluginDir: ${path.join(paths.kubeletRoot, "volume-plugins")}
podLogsDir: ${paths.podLogs}
# The machine is shared and its disk is large: never evict or garbage-collect images during a test.
evictionHard: { memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%" }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
nodeStatusUpdateFrequency: 4s
syncFrequency: 10s
fileCheckFrequency: 10s
`;
}

export function startKubelet(opts: { binary: string; kubeconfigPath: string; caPath: string; verbosity?: number }): NodeProcess {
  for (const d of [paths.config, paths.kubeletRoot, paths.podLogs]) mkdirSync(d, { recursive: true });
  const conf = path.join(paths.config, "kubelet.yaml");
  writeFileSync(conf, kubeletConfig(opts.caPath));
  return launch("kubelet", opts.binary, [
    `--config=${conf}`,
    `--kubeconfig=${opts.kubeconfigPath}`,
    `--root-dir=${paths.kubeletRoot}`,
    `--cert-dir=${path.join(paths.kubeletRoot, "pki")}`,
    `--hostname-override=${nodeName}`,
    `--node-ip=${bridgeIP}`,
    `--v=${opts.verbosity ?? 1}`,
  ]);
}
