/**
 * `lmer2jags verify "<formula>" --data FILE [convert options] [--engine bundled|jags] [--json]
 * [--report FILE.html] [--tolerance k] [--out DIR]`: fit lmer, convert, sample and compare every
 * lme4 quantity with its posterior counterpart. Exit 0 when all agree, 1 when some differ
 * beyond tolerance (or the chains have not converged), 2 for bad input.
 */
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { ExitCode, Lmer2JagsError } from '../errors.js';
import { writeOutputFile } from '../util/atomic-write.js';
import { formatVerifyResult, verifyResultToJson } from '../verify/format.js';
import { ENGINES, type Engine, type VerifyProgress, type VerifyResult, verifyModel } from '../verify/verify.js';
import { type CommonArgs, withOutput } from './common.js';
import { type ConversionArgs, conversionOptions, conversionSettings } from './convert.js';
import type { Output } from './output.js';
import { loadModel, modelOptions } from './parse.js';

export const METHODS = ['REML', 'ML'] as const;

export interface VerifyArgs extends CommonArgs, ConversionArgs {
  engine: Engine;
  method: (typeof METHODS)[number];
  out?: string;
  force: boolean;
  report?: string;
  tolerance: number;
  threads?: number;
  rules: boolean;
}

export function verifyOptions<T>(y: Argv<T>) {
  return conversionOptions(modelOptions(y))
    .option('engine', { choices: ENGINES, default: 'bundled' as Engine, describe: 'bundled: our own sampler; jags: the real JAGS (jags run.cmd)' })
    .option('method', { choices: METHODS, default: 'REML' as (typeof METHODS)[number], describe: 'fit lmer by REML (its default) or maximum likelihood' })
    .option('tolerance', { type: 'number', default: 1, describe: "multiplies every rule's tolerance (2: twice as lenient)" })
    .option('report', { type: 'string', describe: 'also write a self-contained HTML report (table, plots of group coefficients, SD densities, traces)' })
    .option('out', { alias: 'o', type: 'string', describe: 'keep the JAGS files and the CODA draws in this folder (default: a temporary folder, removed)' })
    .option('force', { type: 'boolean', default: false, describe: 'overwrite an earlier conversion in --out' })
    .option('threads', { type: 'number', describe: 'bundled engine: worker threads (default: one per chain, at most the cores)' })
    .option('rules', { type: 'boolean', default: true, describe: 'list how each row was judged under the table (--no-rules: the table only)' });
}

/** Checks the --report path before the (long) run: a folder, or a folder that does not exist, is refused. */
export async function checkReportPath(path: string): Promise<void> {
  if (path.trim() === '') throw new Lmer2JagsError('--report needs a file name', { hint: 'e.g. --report verify.html' });
  const st = await stat(path).catch(() => null);
  if (st?.isDirectory()) {
    throw new Lmer2JagsError(`--report ${path} is a folder, not a file; nothing was run`, {
      location: { kind: 'file', path },
      hint: `give a file name, e.g. --report ${path.replace(/\/+$/, '')}/verify.html`,
    });
  }
  const parent = dirname(resolve(path));
  const pst = await stat(parent).catch(() => null);
  if (!pst?.isDirectory()) {
    throw new Lmer2JagsError(`--report ${path}: the folder ${parent} does not exist; nothing was run`, {
      location: { kind: 'file', path },
      hint: 'create the folder first, or write the report somewhere else',
    });
  }
}

/** Checks the numeric options yargs lets through (NaN from "--iter abc", fractions, …). */
function checkOptions(args: VerifyArgs): void {
  if (!(args.tolerance > 0) || !Number.isFinite(args.tolerance)) {
    throw new Lmer2JagsError(`--tolerance must be a positive number, got ${args.tolerance}`, {
      hint: "it multiplies every rule's tolerance: 1 is the default, 2 twice as lenient",
    });
  }
  if (args.threads !== undefined && !(Number.isInteger(args.threads) && args.threads >= 1)) {
    throw new Lmer2JagsError(`--threads must be a whole number of at least 1, got ${args.threads}`, { hint: 'e.g. --threads 2' });
  }
  if (args.data.trim() === '') {
    throw new Lmer2JagsError('--data needs a file name, but it is empty', { hint: 'e.g. --data sleepstudy.csv (CSV, JSON or an R dump)' });
  }
}

/** Progress on a terminal: the stage, and the sampler's share done. */
export function verifyProgress(out: Output, enabled: boolean): { onProgress: (p: VerifyProgress) => void; stop: () => void } {
  if (!enabled) return { onProgress: () => undefined, stop: () => undefined };
  let label = 'starting';
  let since = Date.now();
  let stage = '';
  const draw = () => process.stderr.write(`\r\x1b[K${out.paint('verify', '36')}: ${label} ${Math.round((Date.now() - since) / 1000)} s`);
  const timer = setInterval(draw, 1000);
  timer.unref();
  let lastDraw = 0;
  return {
    onProgress: (p) => {
      if (p.stage !== stage) {
        stage = p.stage;
        since = Date.now();
      }
      if (p.stage === 'fitting') label = 'fitting lmer';
      else if (p.stage === 'converting') label = 'converting to JAGS';
      else if (p.stage === 'sampling') {
        const who = p.engine === 'jags' ? 'JAGS' : 'bundled engine';
        if (p.done !== undefined && p.total) label = `sampling (${who}) ${Math.floor((100 * p.done) / p.total)}%`;
        else label = `sampling (${who})${p.what ? `: ${p.what}` : ''}`;
      } else if (p.stage === 'comparing') label = 'comparing lmer with the posterior';
      else label = 'done';
      const t = Date.now();
      if (t - lastDraw > 100 || p.stage !== 'sampling') {
        lastDraw = t;
        draw();
      }
    },
    stop: () => {
      clearInterval(timer);
      process.stderr.write('\r\x1b[K');
    },
  };
}

/** The exit code of a verify result: 0 agree, 1 differ or unconverged. */
export function verifyExitCode(result: VerifyResult): number {
  return result.report.verdict === 'agree' ? ExitCode.ok : ExitCode.discrepancies;
}

export async function runVerify(args: VerifyArgs): Promise<number> {
  return withOutput(args, async (out) => {
    checkOptions(args);
    if (args.report !== undefined) await checkReportPath(args.report);
    const spec = await loadModel(args, out);
    const progress = verifyProgress(out, Boolean(process.stderr.isTTY) && !args.quiet);
    let result: VerifyResult;
    try {
      result = await verifyModel(spec, {
        ...conversionSettings(args),
        REML: args.method !== 'ML',
        engine: args.engine,
        tolerance: args.tolerance,
        force: args.force,
        ...(args.out !== undefined ? { out: args.out } : {}),
        ...(args.threads !== undefined ? { threads: args.threads } : {}),
        onProgress: progress.onProgress,
      });
    } finally {
      progress.stop();
    }
    for (const w of result.warnings) out.warn(w);
    if (args.report !== undefined) {
      const { renderReport, reportInputFromResult } = await import('../verify/report.js'); // vega: loaded only for a report
      await writeOutputFile(args.report, await renderReport(reportInputFromResult(result, args.data)), '--report');
    }
    if (args.json) out.json(verifyResultToJson(result));
    else out.result(formatVerifyResult(result, { rules: args.rules }));
    if (args.report !== undefined) out.info(`wrote the report ${args.report}`);
    if (result.out !== null) out.info(`the JAGS files and the draws are in ${result.out}`);
    out.info(`verify took ${result.seconds.total.toFixed(1)} s (fit ${result.seconds.fit.toFixed(1)}, sample ${result.seconds.sample.toFixed(1)})`);
    return verifyExitCode(result);
  });
}
