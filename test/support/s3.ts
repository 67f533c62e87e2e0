// A real S3-compatible server for tests: s3rver on a free port, its data in a fresh temp
// directory, removed on stop. s3rver's built-in account is S3RVER / S3RVER.
//   const s3 = await startS3({ buckets: ['bugforge'] });
//   const store = new S3Store({ bucket: 'bugforge', endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey });
//   await s3.stop();
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

// s3rver ships no types; the part used here:
interface S3rverServer { run(): Promise<AddressInfo>; close(): Promise<void> }
interface S3rverOptions { address: string; port: number; silent: boolean; directory: string; configureBuckets: { name: string; configs: string[] }[] }
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: S3rverOptions) => S3rverServer;

export interface TestS3 {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  directory: string;
  /** The variables `bugforge stage` / openStore read (BUGFORGE_S3_ENDPOINT, AWS_ACCESS_KEY_ID, …). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** `port`: listen there (a test that starts storage late, e.g. "storage comes back"); default a free one. */
export async function startS3(options: { buckets?: string[]; port?: number } = {}): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'bugforge-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name, configs: [] })),
  });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const accessKey = 'S3RVER';
  const secretKey = 'S3RVER';
  const region = 'us-east-1';
  return {
    endpoint, accessKey, secretKey, region, directory,
    env: { BUGFORGE_S3_ENDPOINT: endpoint, AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: secretKey, AWS_REGION: region },
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
