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
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Lmer2JagsError } from '../errors.js';
import { CODA_MAX_LINE, CodaPrefixes, type CodaOutput, type CodaNodeDraws, encodeCodaBlockInto, formatCodaIndex, iterationRange } from '../jags/coda.js';
import { fileErrorHint, tempNameFor } from '../util/atomic-write.js';
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
  /** Aborting it stops the run (the threads are terminated, no CODA file is written). */
  readonly signal?: AbortSignal;
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
  const count = c.count;
  const offsets = new Float64Array(n + 1);
  const values = new Float64Array(c.values.length);
  // All blocks go into one buffer of the chain's own (never Node's shared pool: it is
  // transferred to another thread), sized after the first block for the rest at that rate.
  const room = count * CODA_MAX_LINE;
  let out = new Uint8Array(room);
  let pos = 0;
  for (let e = 0; e < n; e++) {
    if (out.length - pos < room) {
      const size = Math.max(pos + room, e > 0 ? Math.ceil((pos / e) * n * 1.02) + room : 0, Math.ceil(out.length * 1.25));
      const grown = new Uint8Array(size);
      grown.set(out.subarray(0, pos));
      out = grown;
    }
    const range = [e * count, (e + 1) * count] as const;
    pos = encodeCodaBlockInto(iterations, c.values.subarray(...range), out, pos, values.subarray(...range));
    offsets[e + 1] = pos;
  }
  return { count, values, encoded: { bytes: out.subarray(0, pos), offsets } };
}

/** The files of one `coda` command: the index text, each chain file's bytes, and the draws. */
export interface MergedCoda {
  readonly stem: string;
  readonly index: string;
  /** Each chain file's bytes, in pieces (written one after the other, never joined in memory). */
  readonly chainFiles: readonly (readonly Uint8Array[])[];
  /** The draws as the files hold them (6 significant digits). */
  readonly draws: CodaOutput;
}

/** Merges the snapshots of one coda command from all runners into its files' contents. */
export function mergeCodaSnapshots(snaps: readonly CodaSnapshot[], nchains: number): MergedCoda {
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
  return {
    stem: first.stem,
    index: formatCodaIndex(names, lengths),
    chainFiles: blocks,
    draws: { names, chains },
  };
}

/** Writes the pieces to PATH one after the other. */
function writePieces(path: string, pieces: readonly Uint8Array[]): void {
  const fd = openSync(path, 'w');
  try {
    for (const piece of pieces) {
      for (let done = 0; done < piece.length; ) done += writeSync(fd, piece, done, piece.length - done);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the CODA files of every coda command of a run, whole or not at all: all files go to
 * temporary names first and are renamed over the targets only once every one is written, so
 * an interruption or a full disk leaves the files of an earlier run as they were. Chain files
 * of an earlier run with more chains (same stem) are removed, since they would no longer
 * match the index. Returns the paths written.
 */
export function writeCodaFiles(dir: string, outputs: readonly MergedCoda[]): string[] {
  const planned: { path: string; text: string | readonly Uint8Array[] }[] = [];
  for (const { stem, index, chainFiles } of outputs) {
    if (chainFiles.length === 0) continue;
    const base = join(dir, stem);
    const add = (path: string, text: string | readonly Uint8Array[]) => {
      const at = planned.findIndex((p) => p.path === path);
      if (at >= 0) planned.splice(at, 1);
      planned.push({ path, text });
    };
    add(`${base}index.txt`, index);
    chainFiles.forEach((text, k) => add(`${base}chain${k + 1}.txt`, text));
  }
  const temps: string[] = [];
  try {
    // A target that cannot be replaced by a rename (a folder) must fail before anything moves.
    for (const p of planned) {
      if (existsSync(p.path) && statSync(p.path).isDirectory()) {
        throw Object.assign(new Error(`${p.path} is a folder`), { code: 'EISDIR', path: p.path });
      }
    }
    for (const p of planned) {
      const tmp = tempNameFor(p.path);
      temps.push(tmp);
      if (typeof p.text === 'string') writeFileSync(tmp, p.text);
      else writePieces(tmp, p.text);
    }
  } catch (e) {
    for (const t of temps) rmSync(t, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    const path = temps.length > 0 ? planned[temps.length - 1].path : ((e as { path?: string }).path ?? dir);
    throw new Lmer2JagsError(`cannot write the CODA file ${path}: ${(e as Error).message}; no CODA file was changed`, {
      location: { kind: 'file', path },
      hint: fileErrorHint(code),
      cause: e,
    });
  }
  planned.forEach((p, i) => renameSync(temps[i], p.path));
  for (const { stem, chainFiles } of outputs) {
    for (let k = chainFiles.length + 1; ; k++) {
      const stale = join(dir, `${stem}chain${k}.txt`);
      if (!existsSync(stale)) break;
      rmSync(stale, { force: true });
    }
  }
  return planned.map((p) => p.path);
}

/**
 * Runs DIR/run.cmd with the bundled engine and writes the CODA files named by its `coda`
 * commands into DIR. Bad files throw Lmer2JagsError (exit code 2) with file:line:column; an
 * abort (options.signal, e.g. Ctrl-C) stops the threads and throws Lmer2JagsError with exit
 * code 130, leaving DIR's CODA files as they were.
 *
 * Resolves to the stem and draws of the last `coda` command, exactly as its files hold them
 * (6 significant digits; what readSamples(dir, stem) would read back), or null when the
 * script writes no CODA files.
 */
export async function runBundledEngine(
  dir: string,
  options: BundledEngineOptions = {},
): Promise<{ readonly stem: string; readonly coda: CodaOutput } | null> {
  const cmdPath = join(dir, 'run.cmd');
  let cmdText: string;
  try {
    cmdText = readFileSync(cmdPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const noDir = code === 'ENOENT' && !existsSync(dir);
    throw new Lmer2JagsError(
      noDir ? `the folder ${dir} does not exist` : `cannot read the command script ${cmdPath}${code === 'ENOENT' ? ': it does not exist' : code ? ` (${code})` : ''}`,
      {
        location: { kind: 'file', path: noDir ? dir : cmdPath },
        hint: code === 'ENOENT' ? 'run `lmer2jags convert ... --out DIR` first, or point at the folder that holds run.cmd' : 'check the file permissions',
      },
    );
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
  if (options.threads !== undefined && !(Number.isSafeInteger(options.threads) && options.threads >= 1)) {
    throw new Lmer2JagsError(`the number of threads must be a whole number of at least 1, got ${options.threads}`, { hint: 'e.g. --threads 4' });
  }
  const fallbackSeed = Math.floor(Math.random() * 2 ** 31);
  let done = 0;
  const progress = (delta: number) => {
    done += delta;
    options.onProgress?.(Math.min(done, total), total);
  };
  const signal = options.signal;
  if (signal?.aborted) throw interrupted(0, total);
  const outputs: { index: number; merged: MergedCoda }[] = [];
  const finish = () => {
    outputs.sort((a, b) => a.index - b.index);
    writeCodaFiles(
      dir,
      outputs.map((o) => o.merged),
    );
    options.onProgress?.(total, total);
    const last = outputs[outputs.length - 1]?.merged;
    return last ? { stem: last.stem, coda: last.draws } : null;
  };

  // A run too small to pay for starting a thread runs here (it is over before an interruption
  // could be handled; one that came meanwhile still stops it before anything is written).
  // Others run their chains in worker threads (also with one thread, so that the main thread
  // stays free to report progress and to stop cleanly on an interruption).
  if (options.threads === undefined && smallRun(dir, commands, total)) {
    const runner = new ScriptRunner(dir, cmdPath, cmdText, null, {
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      fallbackSeed,
      ...(options.samplers !== undefined ? { plan: options.samplers } : {}),
      onCoda: (snap) => outputs.push({ index: snap.index, merged: mergeCodaSnapshots([encodeSnapshot(snap)], nchains) }),
      onProgress: progress,
      onWarning,
    });
    runner.run(commands);
    await new Promise((r) => setImmediate(r)); // let a pending signal be delivered
    if (signal?.aborted) throw interrupted(done, total);
    return finish();
  }
  const threads = Math.max(1, Math.min(nchains, options.threads ?? availableParallelism()));
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
      signal?.removeEventListener('abort', onAbort);
      void Promise.allSettled(workers.map((w) => w.terminate())).then(() => reject(e));
    };
    const onAbort = () => fail(interrupted(done, total));
    signal?.addEventListener('abort', onAbort, { once: true });
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
                outputs.push({ index: msg.snap.index, merged: mergeCodaSnapshots(list, nchains) });
                pending.delete(msg.snap.index);
              }
              break;
            }
            case 'done':
              finished++;
              if (finished === shares.length) {
                signal?.removeEventListener('abort', onAbort);
                resolve();
              }
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
  return finish();
}

/** The error for an interrupted run (exit code 130, as a shell reports Ctrl-C). */
function interrupted(done: number, total: number): Lmer2JagsError {
  return new Lmer2JagsError(`interrupted: sampling stopped after ${done} of ${total} chain iterations; no CODA files were written`, {
    hint: 'CODA files of an earlier run in this folder are unchanged; run the command again to sample',
    exitCode: 130,
  });
}
