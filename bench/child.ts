// Runs this bench script again in a child process (`node <script> ...args`, with the same loader
// flags) and resolves to what it printed: each measured piece gets a process of its own, since the
// kernel's peak RSS (memory.ts) never goes down.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** `env`: added to this process's environment for the child. */
export function runBenchChild(scriptUrl: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...process.execArgv, fileURLToPath(scriptUrl), ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.on('error', reject);
    proc.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`bench child ${args.join(' ')} exited with ${code}`))));
  });
}
