/**
 * kube-proxy (v1.34.4, iptables mode): ClusterIP Services for Pods and for the host. It starts once
 * the Node is registered (it reads the node IP from it). NodePorts only on the bridge IP: nothing of
 * the test cluster listens on the machine's own interface. No conntrack tuning (these processes may
 * not change the machine's conntrack sysctls).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { bridgeIP, nodeName, paths, podCIDR } from "./layout.js";
import { launch, type NodeProcess } from "./process.js";

export function kubeProxyConfig(kubeconfigPath: string): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: ${kubeconfigPath}
hostnameOverride: ${nodeName}
mode: iptables
clusterCIDR: ${podCIDR}
nodePortAddresses: ["${bridgeIP}/32"]
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
  udpTimeout: 0s
  udpStreamTimeout: 0s
`;
}

export function startKubeProxy(opts: { binary: string; kubeconfigPath: string }): NodeProcess {
  mkdirSync(paths.config, { recursive: true });
  const conf = path.join(paths.config, "kube-proxy.yaml");
  writeFileSync(conf, kubeProxyConfig(opts.kubeconfigPath));
  return launch("kube-proxy", opts.binary, [`--config=${conf}`, "--v=1"]);
}
