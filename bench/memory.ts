// Peak memory of a piece of work in this process: the kernel's peak RSS (getrusage maxrss, exact)
// and the largest V8 heapUsed seen by a sampler (approximate: sampled every `intervalMs`).
// Run each measured piece in its own process, since maxrss never goes down.

export interface MemoryPeak {
  /** peak resident set size of the process so far, bytes (getrusage) */
  peakRssBytes: number;
  /** largest process.memoryUsage().heapUsed sampled, bytes */
  peakHeapUsedBytes: number;
  /** RSS when sampling started, bytes (the runtime's own baseline) */
  startRssBytes: number;
}

export function startMemorySampler(intervalMs = 50): { stop(): MemoryPeak } {
  const startRssBytes = process.memoryUsage().rss;
  let peakHeapUsedBytes = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    peakHeapUsedBytes = Math.max(peakHeapUsedBytes, process.memoryUsage().heapUsed);
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      peakHeapUsedBytes = Math.max(peakHeapUsedBytes, process.memoryUsage().heapUsed);
      return { peakRssBytes: process.resourceUsage().maxRSS * 1024, peakHeapUsedBytes, startRssBytes };
    },
  };
}

export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
