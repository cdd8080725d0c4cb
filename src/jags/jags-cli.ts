/**
 * Runs the real JAGS on a conversion folder (`jags run.cmd`, through execa) and reads back
 * its CODA output with a posterior summary of every monitored node.
 *
 * JAGS run on a command file is in batch mode: it prints one line per stage ("Compiling model
 * graph", "Initializing model", "Updating 1000", …) and no progress bars (those appear only
 * when commands come from a terminal, where JAGS also keeps going after an error and exits
 * 0). So we run the file, and report progress as those stage lines arrive. Any error makes
 * batch JAGS exit 1 with the message on stderr; we turn it into a Lmer2JagsError that quotes
 * it and, when it names a line of model.jags, points there.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { Lmer2JagsError, type ErrorLocation } from '../errors.js';
import { convergenceWarnings, summarize, type NodeSummary } from '../mcmc/diagnostics.js';
import { checkChainsAligned, readCoda, type CodaOutput } from './coda.js';

export const JAGS_MISSING =
  'JAGS is not installed: install the `jags` package (Debian/Ubuntu: apt-get install jags) or use the bundled engine';

/** A stage of a JAGS run, parsed from its output. */
export type JagsStage =
  | { readonly stage: 'reading'; readonly what: string }
  | { readonly stage: 'compiling' }
  | { readonly stage: 'initializing' }
  | { readonly stage: 'updating'; readonly iterations: number; /** 1 for the first `update` (burn-in), 2 for the next… */ readonly phase: number }
  | { readonly stage: 'done' };

export interface RunJagsOptions {
  /** The JAGS executable (default `jags`, found on PATH). */
  readonly command?: string;
  /** The command file in the folder (default run.cmd). */
  readonly script?: string;
  /** Called as each stage starts. */
  readonly onStage?: (s: JagsStage) => void;
  /** Stop JAGS after this many milliseconds (default: no limit). */
  readonly timeoutMs?: number;
}

export interface JagsRunResult {
  readonly stdout: string;
  readonly stderr: string;
  /** JAGS's warnings (e.g. "WARNING: Adaptation incomplete"), for a run that succeeded. */
  readonly warnings: readonly string[];
  readonly seconds: number;
}

const CODA_FILE = /^CODA(index|chain\d+)\.txt$/;

/** Parses one line of JAGS's stdout into a stage, or null. */
export function parseJagsLine(line: string, updates: { count: number }): JagsStage | null {
  const l = line.replace(/^(\. )+/, '').trim();
  let m: RegExpExecArray | null;
  if ((m = /^Reading (data|parameter) file (.*)$/.exec(l))) return { stage: 'reading', what: m[2] };
  if (l.startsWith('Compiling model graph') || l.startsWith('Compiling data graph')) return { stage: 'compiling' };
  if (l.startsWith('Initializing model')) return { stage: 'initializing' };
  if ((m = /^Updating (\d+)$/.exec(l))) {
    updates.count++;
    return { stage: 'updating', iterations: Number(m[1]), phase: updates.count };
  }
  return null;
}

/** JAGS's error text as a Lmer2JagsError, pointing at model.jags when it names a line. */
export function jagsError(dir: string, stderr: string, stdout: string, exitCode: number | undefined): Lmer2JagsError {
  const lines = stderr.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const quoted = lines.length > 0 ? lines : stdout.split('\n').filter((l) => l.trim() !== '').slice(-5);
  let location: ErrorLocation = { kind: 'file', path: dir };
  const text = quoted.join('\n');
  const modelLine = /(?:Error parsing model file|Compilation error|syntax error)[^\n]*?\bline (\d+)/i.exec(text) ?? /\bon line (\d+)/.exec(text);
  const modelPath = join(dir, 'model.jags');
  if (modelLine && existsSync(modelPath)) {
    const line = Number(modelLine[1]);
    const lineText = readFileSync(modelPath, 'utf8').split('\n')[line - 1];
    location = { kind: 'file', path: modelPath, line, ...(lineText !== undefined ? { lineText } : {}) };
  }
  return new Lmer2JagsError(`JAGS rejected the model (exit code ${exitCode ?? 'unknown'}):\n${quoted.map((l) => `  | ${l}`).join('\n')}`, {
    location,
    hint: 'the message above is JAGS\'s own; if the files came from "lmer2jags convert" unchanged, please report it',
  });
}

/** Runs `jags run.cmd` in `dir`; earlier CODA files there are removed first. */
export async function runJags(dir: string, options: RunJagsOptions = {}): Promise<JagsRunResult> {
  const script = options.script ?? 'run.cmd';
  if (!existsSync(join(dir, script))) {
    throw new Lmer2JagsError(`no ${script} in ${dir}`, {
      location: { kind: 'file', path: join(dir, script) },
      hint: 'make the folder with "lmer2jags convert <formula> --data FILE --out DIR" first',
    });
  }
  // Results of an earlier run must not pass for this one's if it fails.
  for (const f of readdirSync(dir)) if (CODA_FILE.test(f)) rmSync(join(dir, f), { force: true });

  const started = Date.now();
  const sub = execa(options.command ?? 'jags', [script], {
    cwd: dir,
    reject: false,
    stdin: 'ignore',
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
  });
  const updates = { count: 0 };
  let pending = '';
  sub.stdout?.on('data', (chunk: Buffer | string) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) {
      const s = parseJagsLine(line, updates);
      if (s && options.onStage) options.onStage(s);
    }
  });
  const r = await sub;
  const stdout = typeof r.stdout === 'string' ? r.stdout : '';
  const stderr = typeof r.stderr === 'string' ? r.stderr : '';
  if (r.failed && r.exitCode === undefined) {
    const code = (r as { code?: string }).code;
    if (code === 'ENOENT') throw new Lmer2JagsError(JAGS_MISSING, { hint: 'or run "lmer2jags sample DIR --engine bundled"' });
    if (r.timedOut) {
      throw new Lmer2JagsError(`JAGS did not finish within ${Math.round((options.timeoutMs ?? 0) / 1000)} s and was stopped`, {
        location: { kind: 'file', path: dir },
        hint: 'use fewer iterations (--iter, --burnin) or a longer time limit',
      });
    }
    throw new Lmer2JagsError(`could not run JAGS: ${r.shortMessage ?? r.message}`, { hint: 'check that the jags command works in a terminal' });
  }
  if (r.exitCode !== 0) throw jagsError(dir, stderr, stdout, r.exitCode);
  options.onStage?.({ stage: 'done' });
  const warnings = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return { stdout, stderr, warnings, seconds: (Date.now() - started) / 1000 };
}

/** The CODA output JAGS (or the bundled engine) wrote in `dir`: `coda *` writes CODAindex.txt, CODAchain1.txt, … */
export function readSamples(dir: string): CodaOutput {
  const stem = join(dir, 'CODA');
  if (!existsSync(`${stem}index.txt`)) {
    throw new Lmer2JagsError(`no samples in ${dir}: CODAindex.txt is missing`, {
      location: { kind: 'file', path: `${stem}index.txt` },
      hint: 'sample first: lmer2jags sample DIR --engine jags',
    });
  }
  const coda = readCoda(stem);
  checkChainsAligned(coda, stem);
  return coda;
}

export interface NodeRow extends NodeSummary {
  readonly name: string;
}

export interface SampleSummary {
  readonly chains: number;
  /** Draws per chain (of the first node; JAGS keeps them equal unless monitors differ). */
  readonly draws: number;
  readonly nodes: readonly NodeRow[];
  readonly warnings: readonly string[];
}

/**
 * Posterior summary (mean, sd, quantiles, R-hat, ESS, MCSE) of every node in the CODA output.
 * `computed` holds the nodes' summaries when they were computed elsewhere (summary-threads.ts),
 * in the order of coda.names.
 */
export function summarizeSamples(coda: CodaOutput, computed?: readonly NodeSummary[]): SampleSummary {
  const nodes: NodeRow[] = [];
  const warnings: string[] = [];
  for (const [i, name] of coda.names.entries()) {
    const s = computed?.[i] ?? summarize(coda.chains.map((c) => c.get(name)?.values ?? new Float64Array(0)));
    nodes.push({ name, ...s });
    // A constant node (e.g. a correlation matrix's diagonal) has no R-hat or ESS: no warning.
    if (!(s.sd > 0)) continue;
    warnings.push(...convergenceWarnings(name, s));
  }
  const first = coda.names[0];
  return { chains: coda.chains.length, draws: first ? (coda.chains[0].get(first)?.values.length ?? 0) : 0, nodes, warnings };
}
