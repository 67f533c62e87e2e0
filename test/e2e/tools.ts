// helm and kubectl for the e2e tests, run asynchronously: the S3 server the stage Pods talk to
// lives in this test process, so a blocking spawnSync (e.g. a `kubectl wait`) would freeze it
// and the stages with it.
import { spawn } from 'node:child_process';
import { kubeconfigPath } from '../support/cluster.js';
import { tool } from '../unit/packaging/helm.js';

export interface RunResult { code: number; stdout: string; stderr: string }

export function exec(file: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, KUBECONFIG: kubeconfigPath() }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export const kubectl = (args: string[], input?: string) => exec(process.env.KUBECTL ?? tool('kubectl'), args, { input });
export const helm = (args: string[]) => exec(tool('helm'), args);
