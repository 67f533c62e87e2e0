// Temporary config to run the harness tests on their own until the project's
// vitest config uses test/support/cluster.ts as its globalSetup:
//   npx vitest run --config test/harness/vitest.config.ts
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export default defineConfig({
  root,
  test: {
    include: ["test/harness/**/*.test.ts"],
    globalSetup: ["test/support/cluster.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
