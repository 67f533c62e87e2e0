// s3rver in a process of its own (test/support/s3.ts's startS3, run by s3-process.child.ts): in
// the browser tests the test process also drives Chromium, serves the dashboard and runs the
// operator, and an s3rver sharing that event loop answered stage Pods late enough to reset their
// keep-alive connections (ECONNRESET).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../support/cluster.js';
import type { TestS3 } from '../support/s3.js';

export async function startS3Process(buckets: string[]): Promise<TestS3> {
  const child = spawn(process.execPath, ['--import', path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs'), path.join(repoRoot, 'test/browser/s3-process.child.ts'), ...buckets], { stdio: ['pipe', 'pipe', 'inherit'] });
  const info = await new Promise<Omit<TestS3, 'stop'>>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as Omit<TestS3, 'stop'>);
    });
    child.on('exit', (code) => reject(new Error(`s3rver process exited ${code}`)));
  });
  return {
    ...info,
    stop: () => new Promise<void>((done) => { child.once('exit', () => done()); child.stdin!.end(); }),
  };
}
