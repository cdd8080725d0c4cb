/**
 * `lmer2jags fit "<formula>" --data FILE [--ml] [--json] [--verbose]`: fit the model as lme4's
 * lmer() does and print what print(summary(fit)) prints, or with --json the DESIGN §9 document.
 * lme4's messages (a singular fit, dropped columns) go to stderr as they happen; its warnings
 * (no convergence) as warnings; --verbose adds the optimizer's record on stderr.
 */
import type { Argv } from 'yargs';
import { readDataFile } from '../data/read.js';
import { Lmer2JagsError } from '../errors.js';
import { fitLmer } from '../lmer/fit.js';
import { formatLmerSummary, formatOptimizerRecord, type SummaryOptions } from '../lmer/format.js';
import { lmerFitToJson } from '../lmer/summary.js';
import { buildModelSpec } from '../model/build.js';
import { type CommonArgs, withOutput } from './common.js';
import { modelOptions } from './parse.js';

export interface FitArgs extends CommonArgs {
  formula: string;
  data: string;
  weights?: string;
  offset?: string;
  ml: boolean;
  verbose: boolean;
  'max-eval'?: number;
}

export function fitOptions<T>(y: Argv<T>) {
  return modelOptions(y)
    .option('ml', { type: 'boolean', default: false, describe: 'fit by maximum likelihood (lmer REML = FALSE) instead of REML' })
    .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: "show the optimizer's record on stderr: start and final theta, criterion, evaluations, return reason" })
    .option('max-eval', { type: 'number', describe: "most criterion evaluations per optimizer run (lme4's optCtrl = list(maxeval = N); default 100000)" });
}

/** The --max-eval value, checked: a whole number of at least 1. */
function maxEvalOf(args: FitArgs): number | undefined {
  const v = args['max-eval'];
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 1) {
    const got = Number.isNaN(v) ? 'it is not a number' : `not ${v}`;
    throw new Lmer2JagsError(`--max-eval must be a whole number of at least 1, ${got}`, {
      hint: "e.g. --max-eval 1000 (lme4's default is 100000)",
    });
  }
  return v;
}

export async function runFit(args: FitArgs): Promise<number> {
  return withOutput(args, async (out) => {
    if (args.data.trim() === '') {
      throw new Lmer2JagsError('--data needs a file name, but it is empty', { hint: 'e.g. --data sleepstudy.csv (CSV, JSON or an R dump)' });
    }
    const maxEval = maxEvalOf(args);
    const t0 = performance.now();
    const table = await readDataFile(args.data);
    const t1 = performance.now();
    const spec = buildModelSpec(args.formula, table, {
      ...(args.weights !== undefined ? { weights: args.weights } : {}),
      ...(args.offset !== undefined ? { offset: args.offset } : {}),
    });
    const t2 = performance.now();
    if (spec.rows.dropped > 0) out.info(`${spec.rows.dropped} of ${spec.rows.total} rows dropped for missing values`);
    const fit = fitLmer(spec, { REML: !args.ml, ...(maxEval !== undefined ? { maxEval } : {}) });
    // lme4's messages and warnings, in the order lme4 emits them.
    for (const d of fit.diagnostics) {
      if (d.kind === 'message') out.info(d.text);
      else out.warn(d.text);
    }
    if (args.verbose) {
      out.info(formatOptimizerRecord(fit));
      out.info(`times: read ${(t1 - t0).toFixed(0)} ms, model ${(t2 - t1).toFixed(0)} ms, fit ${fit.elapsedMs.toFixed(0)} ms`);
    }
    if (args.json) {
      out.json(lmerFitToJson(fit));
      return 0;
    }
    const options: SummaryOptions = {
      data: args.data,
      ...(args.weights !== undefined ? { weights: args.weights } : {}),
      ...(args.offset !== undefined ? { offset: args.offset } : {}),
      ...(maxEval !== undefined ? { control: `lmerControl(optCtrl = list(maxeval = ${maxEval}))` } : {}),
    };
    out.result(formatLmerSummary(fit, options));
    return 0;
  });
}
