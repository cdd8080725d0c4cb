/**
 * summarizeSamples with the per-node diagnostics spread over worker threads: each node's
 * summary (ranks, FFT autocovariances, quantiles of all its draws) is independent of the
 * others', and for many nodes and draws it is most of what `sample` does after the chains.
 * Small outputs are summarised in this thread (a worker costs ~50 ms to start).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { NodeSummary } from '../mcmc/diagnostics.js';
import type { CodaOutput } from './coda.js';
import { type SampleSummary, summarizeSamples } from './jags-cli.js';

/** Below this many draws in all (nodes × chains × draws) one thread is faster. */
const PARALLEL_DRAWS = 2_000_000;

/** What a summary worker is given: its nodes' draws, chain after chain. */
export interface SummaryTask {
  readonly chains: readonly (readonly Float64Array[])[];
}

export async function summarizeSamplesInThreads(coda: CodaOutput, threads = availableParallelism()): Promise<SampleSummary> {
  const n = coda.names.length;
  const draws = n * coda.chains.length * (coda.chains[0]?.get(coda.names[0] ?? '')?.values.length ?? 0);
  const t = Math.min(threads, Math.ceil(n / 8));
  if (t < 2 || draws < PARALLEL_DRAWS) return summarizeSamples(coda);
  const share = Math.ceil(n / t);
  const parts = await Promise.all(
    Array.from({ length: t }, (_, w) => {
      const names = coda.names.slice(w * share, (w + 1) * share);
      const task: SummaryTask = { chains: names.map((name) => coda.chains.map((c) => c.get(name)?.values ?? new Float64Array(0))) };
      return new Promise<NodeSummary[]>((resolve, reject) => {
        const worker = new Worker(new URL('./summary-worker.js', import.meta.url), { workerData: task });
        worker.once('message', (m: NodeSummary[]) => {
          resolve(m);
          void worker.terminate();
        });
        worker.once('error', reject);
        worker.once('exit', (code) => {
          if (code !== 0) reject(new Error(`a summary thread stopped with code ${code}`));
        });
      });
    }),
  );
  return summarizeSamples(coda, parts.flat());
}
