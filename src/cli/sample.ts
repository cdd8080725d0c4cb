/**
 * `lmer2jags sample DIR [--engine jags|bundled] [--json]`: run the chains of a conversion
 * folder, read the CODA files and print a posterior summary of every monitored node (mean,
 * sd, 2.5/50/97.5%, R-hat, bulk and tail ESS, MCSE) with convergence warnings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { codaStem } from '../bugs/cmd.js';
import { progressReporter as bundledProgress } from '../bugs/progress.js';
import type { CodaOutput } from '../jags/coda.js';
import { checkRunFolder, readSamples, runJags, type JagsStage, type NodeRow } from '../jags/jags-cli.js';
import { summarizeSamplesInThreads } from '../jags/summary-threads.js';
import { type CommonArgs, withOutput } from './common.js';
import { type Output, table } from './output.js';

export const ENGINES = ['bundled', 'jags'] as const;
export type Engine = (typeof ENGINES)[number];

export interface SampleArgs extends CommonArgs {
  dir: string;
  engine: Engine;
  seed?: number;
  threads?: number;
}

export function sampleOptions<T>(y: Argv<T>) {
  return y
    .positional('dir', { type: 'string', demandOption: true, describe: 'a folder written by "lmer2jags convert"' })
    .option('engine', { choices: ENGINES, default: 'bundled' as Engine, describe: 'bundled: our own sampler; jags: the real JAGS (jags run.cmd)' })
    .option('seed', { type: 'number', describe: 'bundled engine: seed (JAGS takes its seeds from the inits files)' })
    .option('threads', { type: 'number', describe: 'bundled engine: worker threads' });
}

/** Progress on a terminal: the stage JAGS is in and the seconds spent. */
function progressReporter(out: Output, enabled: boolean): { onStage: (s: JagsStage) => void; stop: () => void } {
  if (!enabled) return { onStage: () => undefined, stop: () => undefined };
  let label = 'starting';
  let since = Date.now();
  const draw = () => process.stderr.write(`\r\x1b[K${out.paint('JAGS', '36')}: ${label} ${Math.round((Date.now() - since) / 1000)} s`);
  const timer = setInterval(draw, 1000);
  timer.unref();
  return {
    onStage: (s) => {
      if (s.stage === 'reading') label = `reading ${s.what}`;
      else if (s.stage === 'compiling') label = 'compiling the model';
      else if (s.stage === 'initializing') label = 'initializing';
      else if (s.stage === 'updating') label = s.phase === 1 ? `burn-in, ${s.iterations} iterations` : `sampling, ${s.iterations} iterations`;
      else label = 'done';
      since = Date.now();
      draw();
    },
    stop: () => {
      clearInterval(timer);
      process.stderr.write('\r\x1b[K');
    },
  };
}

function num(x: number): string {
  if (!Number.isFinite(x)) return 'NA';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e5 || a < 1e-3 ? x.toExponential(3) : String(Number(x.toPrecision(4)));
}

export function formatSummaryTable(nodes: readonly NodeRow[]): string {
  const rows = [['node', 'mean', 'sd', '2.5%', '50%', '97.5%', 'R-hat', 'ess_bulk', 'ess_tail', 'mcse']];
  for (const s of nodes) {
    rows.push([
      s.name, num(s.mean), num(s.sd), num(s.q2_5), num(s.q50), num(s.q97_5),
      Number.isFinite(s.rhat) ? s.rhat.toFixed(3) : 'NA',
      Number.isFinite(s.essBulk) ? String(Math.round(s.essBulk)) : 'NA',
      Number.isFinite(s.essTail) ? String(Math.round(s.essTail)) : 'NA',
      num(s.mcse),
    ]);
  }
  return table(rows, '');
}

const MAX_WARNINGS = 10;

/** The stem of the CODA files DIR/run.cmd writes (CODA when the script cannot be read). */
function codaStemOf(dir: string): string {
  try {
    return codaStem(readFileSync(join(dir, 'run.cmd'), 'utf8'));
  } catch {
    return 'CODA';
  }
}

export async function runSample(args: SampleArgs): Promise<number> {
  return withOutput(args, async (out) => {
    checkRunFolder(args.dir);
    const started = Date.now();
    let jagsWarnings: readonly string[] = [];
    // The bundled engine hands back what it wrote, so its files need not be read again.
    let written: CodaOutput | null = null;
    if (args.engine === 'jags') {
      const progress = progressReporter(out, Boolean(process.stderr.isTTY) && !args.quiet);
      // Ctrl-C (or a kill) stops JAGS and leaves no partial output; the error says so. (`on`, not
      // `once`: execa's exit hook re-sends a signal that no other listener is left to handle.)
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const r = await runJags(args.dir, { onStage: progress.onStage, signal: stop.signal });
        jagsWarnings = r.warnings;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        progress.stop();
      }
    } else {
      // Loaded only when used, so that `--engine jags` does not pay for compiling it.
      const { runBundledEngine: engine } = await import('../bugs/run.js');
      // Ctrl-C (or a SIGTERM) stops the threads; the engine then writes no CODA file.
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const bar = bundledProgress(process.stderr, { enabled: !args.quiet });
      try {
        const result = await engine(args.dir, {
          ...(args.seed !== undefined ? { seed: args.seed } : {}),
          ...(args.threads !== undefined ? { threads: args.threads } : {}),
          quiet: Boolean(args.quiet),
          onProgress: (done, total) => bar.update(done, total),
          onWarning: (message) => {
            bar.stop();
            out.warn(message);
          },
          signal: stop.signal,
        });
        // The engine hands back what it wrote, so its files need not be read again.
        if (result && result.stem === codaStemOf(args.dir)) written = result.coda;
      } finally {
        bar.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    }
    const seconds = (Date.now() - started) / 1000;
    const summary = await summarizeSamplesInThreads(written ?? readSamples(args.dir, codaStemOf(args.dir)));
    if (args.json) {
      out.json({
        dir: args.dir,
        engine: args.engine,
        seconds,
        chains: summary.chains,
        draws: summary.draws,
        nodes: summary.nodes.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'number' && !Number.isFinite(v) ? null : v]))),
        warnings: summary.warnings,
        engineWarnings: jagsWarnings,
      });
      return 0;
    }
    for (const w of jagsWarnings) out.warn(`JAGS: ${w}`);
    out.info(`${args.engine === 'jags' ? 'JAGS' : 'bundled engine'}: ${summary.chains} chains of ${summary.draws} draws in ${seconds.toFixed(1)} s`);
    out.result(formatSummaryTable(summary.nodes));
    summary.warnings.slice(0, MAX_WARNINGS).forEach((w) => out.warn(w));
    if (summary.warnings.length > MAX_WARNINGS) out.warn(`… and ${summary.warnings.length - MAX_WARNINGS} more convergence warnings (see --json)`);
    return 0;
  });
}
