/**
 * A worker thread of the bundled engine: runs the command script for its share of the
 * chains and reports progress, warnings, the monitored draws at each `coda` command, and
 * errors (serialised so that a Lmer2JagsError keeps its location and hint).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { parseCommands } from './cmd.js';
import { type WorkerInput, type WorkerMessage, encodeSnapshot, serializeError } from './run.js';
import { ScriptRunner } from './script.js';

const input = workerData as WorkerInput;
const port = parentPort!;
const post = (msg: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

try {
  const commands = parseCommands(input.cmdText, input.cmdPath);
  const runner = new ScriptRunner(input.dir, input.cmdPath, input.cmdText, input.mine, {
    ...(input.seed !== undefined ? { seed: input.seed } : {}),
    fallbackSeed: input.fallbackSeed,
    ...(input.plan !== undefined ? { plan: input.plan } : {}),
    onCoda: (raw) => {
      // Format this thread's chains here, in parallel with the other threads.
      const snap = encodeSnapshot(raw);
      const buffers: ArrayBuffer[] = [];
      for (const m of snap.monitors) {
        for (const c of m.chains.values()) {
          buffers.push(c.values.buffer as ArrayBuffer);
          if (c.encoded) buffers.push(c.encoded.bytes.buffer as ArrayBuffer, c.encoded.offsets.buffer as ArrayBuffer);
        }
      }
      post({ type: 'coda', snap }, [...new Set(buffers)]);
    },
    onProgress: (delta) => post({ type: 'progress', delta }),
    onWarning: (message) => post({ type: 'warning', message }),
  });
  runner.run(commands);
  post({ type: 'done' });
} catch (e) {
  post({ type: 'error', error: serializeError(e) });
}
