import { defineConfig } from 'vitest/config';

// Two projects: unit tests (no cluster) and integration/e2e tests, which share one real
// control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) and a process
// kubelet, started once per test run by test/support/cluster.ts.
export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/harness/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/cluster.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
