/**
 * Runs the real JAGS on a conversion folder (`jags run.cmd`, through execa) and reads back
 * its CODA output with a posterior summary of every monitored node.
 *
 * JAGS run on a command file is in batch mode: it prints one line per stage ("Compiling model
 * graph", "Initializing model", "Updating 1000", …) and no progress bars (those appear only
 * when commands come from a terminal, where JAGS also keeps going after an error and exits
 * 0). So we run the file, and report progress as those stage lines arrive. An error makes
 * batch JAGS exit 1 with the message on stderr; we turn it into a Lmer2JagsError that quotes
 * it and points at the file it is about: the model line it names, the data or inits file JAGS
 * was reading or could not open, or the command of run.cmd it could not read (the stage lines
 * say which). One failure batch JAGS does not exit 1 for: a monitor of a node the model lacks
 * ("Failed to set trace monitor", then the run goes on without it); we make that an error too.
 * Aborting the run (Ctrl-C in `sample`) stops JAGS and removes its partial CODA output.
 */
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Lmer2JagsError, type ErrorLocation } from '../errors.js';
import { fileErrorHint } from '../util/atomic-write.js';
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
  /** Aborting it stops JAGS (SIGTERM); runJags then removes any CODA output and rejects. */
  readonly signal?: AbortSignal;
}

/** Exit code of a run stopped by Ctrl-C (the shell's 128 + SIGINT). */
export const INTERRUPTED_EXIT = 130;

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

/** The first word of every command the JAGS 4.3.1 terminal understands (its manual, §3). */
const JAGS_COMMANDS = new Set([
  'model', 'data', 'compile', 'parameters', 'inits', 'initialize', 'initialise', 'update', 'adapt', 'monitor',
  'monitors', 'coda', 'samplers', 'load', 'unload', 'list', 'set', 'exit', 'quit', 'run', 'cd', 'pwd', 'dir',
]);

/** What JAGS was doing when it stopped, from the stage lines of its stdout. */
function lastStage(stdout: string): { words: string; file: string | null } {
  let words = 'starting';
  let file: string | null = null;
  const updates = { count: 0 };
  for (const line of stdout.split('\n')) {
    const s = parseJagsLine(line, updates);
    if (s === null) continue;
    file = null;
    if (s.stage === 'reading') {
      words = `reading ${s.what}`;
      file = s.what;
    } else if (s.stage === 'compiling') words = 'compiling the model';
    else if (s.stage === 'initializing') words = 'initializing the model';
    else if (s.stage === 'updating') words = s.phase === 1 ? 'updating (burn-in)' : 'updating (sampling)';
  }
  return { words, file };
}

/** The model file a command script reads (`model in "f"`), default model.jags. */
function modelFileOf(scriptText: string): string {
  const m = /^\s*model\s+in\s+(?:"([^"]*)"|'([^']*)'|(\S+))/m.exec(scriptText);
  return m ? (m[1] ?? m[2] ?? m[3]) : 'model.jags';
}

function fileLine(path: string, line: number): ErrorLocation {
  let lineText: string | undefined;
  try {
    lineText = readFileSync(path, 'utf8').split('\n')[line - 1];
  } catch {
    lineText = undefined;
  }
  return { kind: 'file', path, line, ...(lineText !== undefined ? { lineText: lineText.replace(/\r$/, '') } : {}) };
}

/**
 * JAGS's error as a Lmer2JagsError that quotes it and points at the file it is about: the
 * model file and line for a parse or compilation error, the data or inits file JAGS was
 * reading (or could not open), or the line of the command script JAGS could not read.
 */
export function jagsError(dir: string, stderr: string, stdout: string, exitCode: number | undefined, script = 'run.cmd'): Lmer2JagsError {
  const lines = stderr.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const quoted = lines.length > 0 ? lines : stdout.split('\n').filter((l) => l.trim() !== '').slice(-5);
  const text = quoted.join('\n');
  const scriptPath = join(dir, script);
  let scriptText = '';
  try {
    scriptText = readFileSync(scriptPath, 'utf8');
  } catch {
    scriptText = '';
  }
  const modelPath = join(dir, modelFileOf(scriptText));
  const stage = lastStage(stdout);
  let location: ErrorLocation = { kind: 'file', path: dir };
  let during = stage.words;

  const modelLine = /(?:Error parsing model file|Compilation error)[^\n]*?\bline (\d+)/i.exec(text)
    ?? (/Error parsing model file/.test(text) ? /\bline (\d+)/.exec(text) : null);
  const unopened = /(?:Failed to open|Unable to open|Cannot open)(?: model| data| parameter)? file:?\s*"?([^"\n]+?)"?\s*$/im.exec(text);
  if (modelLine) {
    location = fileLine(modelPath, Number(modelLine[1]));
    during = /Compilation error/i.test(text) ? 'compiling the model' : `reading ${modelFileOf(scriptText)}`;
  } else if (unopened) {
    location = { kind: 'file', path: join(dir, unopened[1]) };
    during = `opening ${unopened[1]}`;
  } else if (stage.file !== null) {
    location = { kind: 'file', path: join(dir, stage.file) };
  } else if (/^syntax error\b/m.test(text)) {
    // A command JAGS could not read: point at the first line that is not a JAGS command.
    during = `reading the commands of ${script}`;
    const bad = scriptText.split('\n').findIndex((l) => {
      const t = l.trim();
      return t !== '' && !t.startsWith('#') && !JAGS_COMMANDS.has(t.split(/[\s,(]/)[0]);
    });
    location = bad >= 0 ? fileLine(scriptPath, bad + 1) : { kind: 'file', path: scriptPath };
  }
  return new Lmer2JagsError(`JAGS stopped with an error while ${during} (exit code ${exitCode ?? 'unknown'}):\n${quoted.map((l) => `  | ${l}`).join('\n')}`, {
    location,
    hint: 'the message quoted above is JAGS\'s own; if the files came from "lmer2jags convert" unchanged, please report it',
  });
}

/**
 * JAGS's stderr on a run that exited 0, as warnings: a "WARNING:" (or "NOTE:") line and the
 * lines that continue it make one warning. A monitor JAGS could not set ("Failed to set trace monitor
 * for x", then why) is an error: the samples would silently lack that node.
 */
export function jagsWarnings(dir: string, stderr: string, script = 'run.cmd'): string[] {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const monitor = lines.findIndex((l) => /^Failed to set (?:trace )?monitor/i.test(l));
  if (monitor >= 0) {
    const node = /monitor for (\S+)/i.exec(lines[monitor])?.[1];
    const scriptPath = join(dir, script);
    let where: ErrorLocation = { kind: 'file', path: scriptPath };
    try {
      const at = readFileSync(scriptPath, 'utf8').split('\n').findIndex((l) => node !== undefined && new RegExp(`^\\s*monitor\\s+(set\\s+)?${node.replace(/[.[\]]/g, '\\$&')}\\b`).test(l));
      if (at >= 0) where = fileLine(scriptPath, at + 1);
    } catch {
      // no script text to point into
    }
    throw new Lmer2JagsError(`JAGS could not monitor ${node ?? 'a node'}:\n${lines.slice(monitor, monitor + 2).map((l) => `  | ${l}`).join('\n')}`, {
      location: where,
      hint: 'monitor only nodes of the model (names.json lists the ones lmer2jags compares)',
    });
  }
  const out: string[] = [];
  for (const l of lines) {
    if (/^[A-Z]+:/.test(l) || out.length === 0) out.push(l);
    else out[out.length - 1] += ` ${l}`;
  }
  return out.map((w) => w.replace(/^WARNING:\s*/i, 'WARNING: ').trim());
}

/** Removes the CODA files `coda *` writes in `dir`. */
function removeCoda(dir: string): void {
  for (const f of readdirSync(dir)) if (CODA_FILE.test(f)) rmSync(join(dir, f), { force: true });
}

const MAKE_FOLDER = 'make the folder with "lmer2jags convert <formula> --data FILE --out DIR" first';

/** `dir` must be a folder holding the command script: else a Lmer2JagsError saying which. */
export function checkRunFolder(dir: string, script = 'run.cmd'): void {
  if (dir.trim() === '') throw new Lmer2JagsError('no folder given to sample', { hint: `give the folder "lmer2jags convert" wrote; ${MAKE_FOLDER}` });
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Lmer2JagsError(`the folder ${dir} does not exist`, { location: { kind: 'file', path: dir }, hint: MAKE_FOLDER });
    throw new Lmer2JagsError(`cannot read the folder ${dir}: ${(e as Error).message}`, { location: { kind: 'file', path: dir }, hint: code === 'EACCES' || code === 'EPERM' ? 'you do not have permission to read that folder' : fileErrorHint(code), cause: e });
  }
  if (!st.isDirectory()) {
    throw new Lmer2JagsError(`${dir} is a file, not a folder`, {
      location: { kind: 'file', path: dir },
      hint: `give the folder "lmer2jags convert" wrote (it holds ${script}, model.jags and data.R)`,
    });
  }
  let scriptStat;
  try {
    scriptStat = statSync(join(dir, script));
  } catch {
    scriptStat = null;
  }
  if (scriptStat === null || !scriptStat.isFile()) {
    throw new Lmer2JagsError(`no ${script} in ${dir}`, { location: { kind: 'file', path: join(dir, script) }, hint: MAKE_FOLDER });
  }
}

/** Runs `jags run.cmd` in `dir`; earlier CODA files there are removed first. */
export async function runJags(dir: string, options: RunJagsOptions = {}): Promise<JagsRunResult> {
  const script = options.script ?? 'run.cmd';
  checkRunFolder(dir, script);
  // Results of an earlier run must not pass for this one's if it fails.
  removeCoda(dir);

  const started = Date.now();
  // Loaded here, not at the top: execa and its dependencies are ~140 modules, and every command
  // of the CLI (which imports this file through sample) would pay for them at start-up.
  const { execa } = await import('execa');
  const sub = execa(options.command ?? 'jags', [script], {
    cwd: dir,
    reject: false,
    stdin: 'ignore',
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    ...(options.signal ? { cancelSignal: options.signal } : {}),
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
  if (r.isCanceled || r.signal === 'SIGINT' || r.signal === 'SIGTERM' || r.signal === 'SIGHUP') {
    // Stopped from outside (Ctrl-C reaches JAGS too): whatever CODA output exists is partial.
    removeCoda(dir);
    throw new Lmer2JagsError(`sampling was interrupted${r.isCanceled ? '' : ` (JAGS received ${r.signal})`}; no samples were kept`, {
      location: { kind: 'file', path: dir },
      hint: 'run "lmer2jags sample" again to draw the samples',
      exitCode: INTERRUPTED_EXIT,
    });
  }
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
  if (r.exitCode !== 0) throw jagsError(dir, stderr, stdout, r.exitCode, script);
  const warnings = jagsWarnings(dir, stderr, script);
  options.onStage?.({ stage: 'done' });
  return { stdout, stderr, warnings, seconds: (Date.now() - started) / 1000 };
}

/**
 * The CODA output JAGS (or the bundled engine) wrote in `dir`: `coda *` writes CODAindex.txt,
 * CODAchain1.txt, … (`coda *, stem(out)`: outindex.txt, …; give the stem then).
 */
export function readSamples(dir: string, codaStem = 'CODA'): CodaOutput {
  const stem = join(dir, codaStem);
  if (!existsSync(`${stem}index.txt`)) {
    throw new Lmer2JagsError(`no samples in ${dir}: ${codaStem}index.txt is missing`, {
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
