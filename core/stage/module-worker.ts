// Starts a worker thread on a module beside the caller: the compiled .js in dist/ (as the image
// runs it), or, from the TypeScript sources (tests, tsx in development), a small bootstrap that
// registers tsx's loader in the worker first (Node 20 applies neither the parent's --import nor a
// Worker's execArgv --import to it).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** `name`: the module's file name without extension, next to `callerUrl` (import.meta.url). */
export function startModuleWorker(callerUrl: string, name: string, workerData: unknown): Worker {
  const url = new URL(`./${name}.${callerUrl.endsWith('.ts') ? 'ts' : 'js'}`, callerUrl);
  if (url.pathname.endsWith('.js')) return new Worker(url, { workerData });
  // tsx/esm/api's "import" entry (require.resolve would give its CommonJS one)
  const tsxApi = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
