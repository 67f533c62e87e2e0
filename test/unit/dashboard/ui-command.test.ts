// `bugforge ui` serves on loopback only: it binds 127.0.0.1, refuses a non-loopback --host, and
// answers no request whose Host header is not localhost (a DNS-rebinding page).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const cli = ['--import', path.join(root, 'node_modules/tsx/dist/loader.mjs'), path.join(root, 'cli/main.ts')];

const get = (host: string, port: number, headers: Record<string, string> = {}) => new Promise<{ status: number; body: string }>((resolve, reject) => {
  const req = request({ host, port, path: '/api/runs', headers }, (res) => {
    let body = '';
    res.on('data', (d: Buffer) => { body += d; });
    res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
  });
  req.on('error', reject);
  req.end();
});

describe('bugforge ui', () => {
  let dir: string;
  let child: ReturnType<typeof spawn>;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bugforge-ui-'));
    child = spawn(process.execPath, [...cli, 'ui', '--port', '0', '--store', path.join(dir, 'store')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d;
        const m = /bugforge dashboard: (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`bugforge ui exited ${code}: ${out}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    port = Number(new URL(url).port);
  });

  afterAll(async () => {
    child?.kill('SIGTERM');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers on 127.0.0.1 with Host localhost', async () => {
    expect(await get('127.0.0.1', port, { host: `localhost:${port}` })).toEqual({ status: 200, body: '[]' });
  });

  it('refuses a request whose Host is another name (DNS rebinding)', async () => {
    const res = await get('127.0.0.1', port, { host: `attacker.example:${port}` });
    expect(res.status).toBe(421);
    expect(res.body).toContain('localhost only');
  });

  it('is not reachable on the machine\'s other addresses', async () => {
    const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
    if (!external) return; // a machine with loopback only has nothing else to reach
    await expect(get(external.address, port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('refuses to bind a non-loopback address', () => {
    const r = spawnSync(process.execPath, [...cli, 'ui', '--host', '0.0.0.0', '--port', '0', '--store', path.join(dir, 'store')], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('localhost only');
  });
});
