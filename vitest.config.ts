import { defineConfig } from 'vitest/config';

// Three projects: unit tests (no cluster); integration/e2e tests, which share one real control
// plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) and a process kubelet,
// started once per test run by test/support/cluster.ts; and the real-node tests (test/node/**):
// the project's images as containers under a real kubelet, containerd and runc, started once per
// run by test/support/node/setup.ts (root, Debian's containerd/runc/CNI plugins, `npm run images`).
// `npm test` runs the real-node project after the other two (a second `vitest run`, so the node
// is not up while they run; vitest starts every selected project's globalSetup at once).
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
        // Real Chromium (Debian's chromium package) over the dashboard; no cluster.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          exclude: ['test/browser/cluster-*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/harness/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/browser/cluster-*.test.ts'],
          globalSetup: ['test/support/cluster.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          globalSetup: ['test/support/node/setup.ts'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
          // One node per machine: its files run one at a time, after the other projects when all run together.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
