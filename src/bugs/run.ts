/**
 * The bundled engine's entry point: `runBundledEngine(dir)` runs DIR/run.cmd as JAGS would
 * and writes the CODA files in DIR in JAGS's format. Chains run in worker threads (at most
 * `threads`, by default one per chain up to the number of cores, or none for a run too small
 * to pay for starting them); chain k draws from random stream k of the seed, so a seed gives
 * the same draws whatever the number of threads.
 *
 * Seeds: `options.seed` if given; else each chain's `.RNG.seed` from its inits file; else a
 * random seed.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Lmer2JagsError } from '../errors.js';
import { CodaPrefixes, type CodaOutput, type CodaNodeDraws, encodeCodaBlock, formatCodaIndex, iterationRange } from '../jags/coda.js';
import type { PlanOptions } from './assign.js';
import { type Command, parseCommands } from './cmd.js';
import { type CodaSnapshot, type MonitorChain, type MonitorSnapshot, ScriptRunner } from './script.js';

export interface BundledEngineOptions {
  readonly seed?: number;
  readonly quiet?: boolean;
  /** Worker threads for the chains (default: one per chain, at most the number of cores). */
  readonly threads?: number;
  readonly onProgress?: (done: number, total: number) => void;
  /** Sampler choices (tests and benchmarks). */
  readonly samplers?: PlanOptions;
  /** Where warnings go (default: stderr unless quiet). */
  readonly onWarning?: (message: string) => void;
}

/** What a worker is given. */
export interface WorkerInput {
  readonly dir: string;
  readonly cmdPath: string;
  readonly cmdText: string;
  readonly mine: readonly number[];
  readonly seed?: number;
  readonly fallbackSeed: number;
  readonly plan?: PlanOptions;
}

/** What a worker reports. */
export type WorkerMessage =
  | { readonly type: 'progress'; readonly delta: number }
  | { readonly type: 'coda'; readonly snap: CodaSnapshot }
  | { readonly type: 'warning'; readonly message: string }
  | { readonly type: 'done' }
  | { readonly type: 'error'; readonly error: SerializedError };

export interface SerializedError {
  readonly user: boolean;
  readonly message: string;
  readonly location?: Lmer2JagsError['location'];
  readonly hint?: string;
  readonly exitCode?: number;
  readonly stack?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Lmer2JagsError) {
    return { user: true, message: e.message, location: e.location, hint: e.hint, exitCode: e.exitCode };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { user: false, message: err.message, stack: err.stack };
}

function deserializeError(s: SerializedError): Error {
  if (s.user) {
    return new Lmer2JagsError(s.message, {
      ...(s.location !== undefined ? { location: s.location } : {}),
      ...(s.hint !== undefined ? { hint: s.hint } : {}),
      ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
    });
  }
  const e = new Error(s.message);
  if (s.stack) e.stack = s.stack;
  return e;
}

/** Total chain-iterations a script asks for (for progress). */
function totalIterations(commands: readonly Command[], nchains: number): number {
  let n = 0;
  for (const c of commands) if (c.kind === 'update') n += c.n;
  return n * nchains;
}

/**
 * Starting a worker thread (loading the engine's modules, compiling the model again) costs
 * about 0.2 s; a run whose chains take less than that in one thread is faster without them.
 * The work of a run is roughly the size of its model and data files times the iterations
 * (about 25 ns per byte per chain-iteration for the linear mixed models lmer2jags writes).
 */
const SMALL_RUN = 2e7;

function smallRun(dir: string, commands: readonly Command[], chainIterations: number): boolean {
  let bytes = 0;
  for (const c of commands) {
    if (c.kind !== 'model' && c.kind !== 'data') continue;
    try {
      bytes += statSync(isAbsolute(c.file) ? c.file : join(dir, c.file)).size;
    } catch {
      return false; // the runner reports the missing file
    }
  }
  return bytes * chainIterations < SMALL_RUN;
}

/**
 * Formats every chain of a snapshot's monitors into chain-file blocks, so that the threads
 * that ran the chains also do this part of the writing; the values become the rounded ones
 * the blocks hold.
 */
export function encodeSnapshot(snap: CodaSnapshot): CodaSnapshot {
  return {
    ...snap,
    monitors: snap.monitors.map((m) => {
      const chains = new Map<number, MonitorChain>();
      for (const [k, c] of m.chains) chains.set(k, encodeChain(m, c));
      return { ...m, chains };
    }),
  };
}

function encodeChain(m: MonitorSnapshot, c: MonitorChain): MonitorChain {
  if (c.encoded) return c;
  const iterations = new CodaPrefixes(iterationRange(m.first, c.count, m.thin));
  const n = m.elementNames.length;
  const blocks: Buffer[] = [];
  const offsets = new Float64Array(n + 1);
  const values = new Float64Array(c.values.length);
  for (let e = 0; e < n; e++) {
    const { bytes, rounded } = encodeCodaBlock(iterations, c.values.subarray(e * c.count, (e + 1) * c.count));
    blocks.push(bytes);
    values.set(rounded, e * c.count);
    offsets[e + 1] = offsets[e] + bytes.length;
  }
  // A buffer of its own (Buffer.concat may hand out a slice of Node's shared pool, which must
  // not be transferred to another thread).
  const bytes = new Uint8Array(offsets[n]);
  blocks.forEach((b, e) => bytes.set(b, offsets[e]));
  return { count: c.count, values, encoded: { bytes, offsets } };
}

/**
 * Merges the snapshots of one coda command from all runners and writes the files; returns
 * the paths and the draws as the files hold them (6 significant digits).
 */
export function writeCodaSnapshots(dir: string, snaps: readonly CodaSnapshot[], nchains: number): { paths: string[]; written: CodaOutput } {
  const first = snaps[0];
  const names: string[] = [];
  const lengths: number[] = [];
  const chains: Map<string, CodaNodeDraws>[] = Array.from({ length: nchains }, () => new Map());
  const blocks: Uint8Array[][] = Array.from({ length: nchains }, () => []);
  first.monitors.forEach((m, mi) => {
    const perChain = new Map<number, MonitorChain>();
    for (const s of snaps) for (const [k, c] of s.monitors[mi].chains) perChain.set(k, encodeChain(m, c));
    const count = perChain.get(0)?.count ?? 0;
    const iterations = iterationRange(m.first, count, m.thin);
    m.elementNames.forEach((name, e) => {
      // JAGS leaves out a node that is NA in any iteration of any chain.
      for (let k = 0; k < nchains; k++) {
        const c = perChain.get(k);
        if (!c || c.count !== count) return;
        const vals = c.values.subarray(e * count, (e + 1) * count);
        for (let t = 0; t < count; t++) if (Number.isNaN(vals[t])) return;
      }
      names.push(name);
      lengths.push(count);
      for (let k = 0; k < nchains; k++) {
        const c = perChain.get(k)!;
        chains[k].set(name, { iterations, values: c.values.slice(e * count, (e + 1) * count) });
        const enc = c.encoded!;
        blocks[k].push(enc.bytes.subarray(enc.offsets[e], enc.offsets[e + 1]));
      }
    });
  });
  const stem = join(dir, first.stem);
  const paths = [`${stem}index.txt`, ...chains.map((_, k) => `${stem}chain${k + 1}.txt`)];
  writeFileSync(paths[0], formatCodaIndex(names, lengths));
  blocks.forEach((bs, k) => writeFileSync(paths[k + 1], Buffer.concat(bs)));
  return { paths, written: { names, chains } };
}

/** The stem of `coda *` when run.cmd names none (the files readSamples reads). */
const DEFAULT_STEM = 'CODA';

/**
 * Runs DIR/run.cmd with the bundled engine and writes the CODA files named by its `coda`
 * commands into DIR. Bad files throw Lmer2JagsError (exit code 2) with file:line:column.
 *
 * Resolves to the draws of the last `coda` command with the default stem, exactly as the files
 * hold them (6 significant digits; what readSamples(dir) would read back), or null when the
 * script writes no such files.
 */
export async function runBundledEngine(
  dir: string,
  options: BundledEngineOptions = {},
): Promise<CodaOutput | null> {
  const cmdPath = join(dir, 'run.cmd');
  let cmdText: string;
  try {
    cmdText = readFileSync(cmdPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Lmer2JagsError(`cannot read the command script ${cmdPath}${code ? ` (${code})` : ''}`, {
      location: { kind: 'file', path: cmdPath },
      hint: code === 'ENOENT' ? 'run `lmer2jags convert` first, or point at the folder that holds run.cmd' : 'check the file permissions',
    });
  }
  const commands = parseCommands(cmdText, cmdPath);
  const compile = commands.find((c): c is Extract<Command, { kind: 'compile' }> => c.kind === 'compile');
  const nchains = compile?.nchains ?? 1;
  const total = totalIterations(commands, nchains);
  const seen = new Set<string>();
  const warn =
    options.onWarning ??
    ((message: string) => {
      if (!options.quiet) process.stderr.write(`warning: ${message}\n`);
    });
  const onWarning = (message: string) => {
    if (seen.has(message)) return;
    seen.add(message);
    warn(message);
  };
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
    throw new Lmer2JagsError(`the seed must be a whole number, got ${options.seed}`, { hint: 'e.g. --seed 1' });
  }
  const fallbackSeed = Math.floor(Math.random() * 2 ** 31);
  let done = 0;
  const progress = (delta: number) => {
    done += delta;
    options.onProgress?.(Math.min(done, total), total);
  };
  const threads = Math.max(1, Math.min(nchains, options.threads ?? (smallRun(dir, commands, total) ? 1 : availableParallelism())));
  let result: CodaOutput | null = null;
  const write = (snaps: readonly CodaSnapshot[]) => {
    const { written } = writeCodaSnapshots(dir, snaps, nchains);
    if (snaps[0].stem === DEFAULT_STEM) result = written;
  };

  if (threads === 1) {
    const runner = new ScriptRunner(dir, cmdPath, cmdText, null, {
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      fallbackSeed,
      ...(options.samplers !== undefined ? { plan: options.samplers } : {}),
      onCoda: (snap) => write([snap]),
      onProgress: progress,
      onWarning,
    });
    runner.run(commands);
    options.onProgress?.(total, total);
    return result;
  }

  const shares: number[][] = Array.from({ length: threads }, () => []);
  for (let k = 0; k < nchains; k++) shares[k % threads].push(k);
  const pending = new Map<number, CodaSnapshot[]>();
  const workers: Worker[] = [];
  await new Promise<void>((resolve, reject) => {
    let finished = 0;
    let failed = false;
    const fail = (e: Error) => {
      if (failed) return;
      failed = true;
      for (const w of workers) void w.terminate();
      reject(e);
    };
    for (const mine of shares) {
      const input: WorkerInput = {
        dir,
        cmdPath,
        cmdText,
        mine,
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        fallbackSeed,
        ...(options.samplers !== undefined ? { plan: options.samplers } : {}),
      };
      const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: input });
      workers.push(w);
      w.on('message', (msg: WorkerMessage) => {
        if (failed) return;
        try {
          switch (msg.type) {
            case 'progress':
              progress(msg.delta);
              break;
            case 'warning':
              onWarning(msg.message);
              break;
            case 'coda': {
              const list = pending.get(msg.snap.index) ?? [];
              list.push(msg.snap);
              pending.set(msg.snap.index, list);
              if (list.length === shares.length) {
                write(list);
                pending.delete(msg.snap.index);
              }
              break;
            }
            case 'done':
              finished++;
              if (finished === shares.length) resolve();
              break;
            case 'error':
              fail(deserializeError(msg.error));
              break;
          }
        } catch (e) {
          fail(e instanceof Error ? e : new Error(String(e)));
        }
      });
      w.on('error', (e) => fail(e));
      w.on('exit', (code) => {
        if (code !== 0 && !failed && finished < shares.length) fail(new Error(`a sampler thread stopped with code ${code}`));
      });
    }
  });
  options.onProgress?.(total, total);
  return result;
}
