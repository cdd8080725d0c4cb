/**
 * `lmer2jags explain "<formula>" [--data FILE] [--format text|md]`: what the lmer model means in
 * Bayesian terms: lmer's model in words and equations, the hierarchical model, the JAGS code
 * and the name map. Without --data the explanation is symbolic.
 */
import type { Argv } from 'yargs';
import { readDataFile } from '../data/read.js';
import { Lmer2JagsError } from '../errors.js';
import { COVARIANCE_FORMS, PARAMETERIZATIONS, type CovarianceForm, type Parameterization } from '../jags/names.js';
import { PRIOR_SETS, type PriorSet } from '../jags/priors.js';
import { DEFAULT_OPTIONS } from '../jags/render.js';
import { EXPLAIN_FORMATS, explainModel, renderExplanation, type ExplainFormat } from '../verify/explain.js';
import { type CommonArgs, withOutput } from './common.js';

export interface ExplainArgs extends CommonArgs {
  formula: string;
  data?: string;
  weights?: string;
  offset?: string;
  format: ExplainFormat;
  param: Parameterization;
  cov: CovarianceForm;
  priors: PriorSet;
  eta: number;
}

export function explainOptions<T>(y: Argv<T>) {
  const d = DEFAULT_OPTIONS;
  return y
    .positional('formula', { type: 'string', demandOption: true, describe: 'an lme4 formula, e.g. "y ~ x + (x | grp)" (quote it)' })
    .option('data', { alias: 'd', type: 'string', describe: 'data file (CSV, JSON or R dump): concrete levels and prior constants; without it the explanation is symbolic' })
    .option('format', { choices: EXPLAIN_FORMATS, default: 'text' as ExplainFormat, describe: 'text for a terminal, md for Markdown' })
    .option('weights', { type: 'string', describe: "a data column of prior weights (lmer's weights =)" })
    .option('offset', { type: 'string', describe: "a data column used as an offset (lmer's offset =)" })
    .option('param', { choices: PARAMETERIZATIONS, default: d.param, describe: "group-means (the seed post's) or offsets" })
    .option('cov', { choices: COVARIANCE_FORMS, default: d.cov, describe: 'prior of correlated random terms' })
    .option('priors', { choices: PRIOR_SETS, default: d.priors, describe: "auto (scaled to the data) or seed (the post's constants)" })
    .option('eta', { type: 'number', default: d.eta, describe: 'LKJ shape for --cov lkj' });
}

export async function runExplain(args: ExplainArgs): Promise<number> {
  return withOutput(args, async (out) => {
    if (args.data !== undefined && args.data.trim() === '') {
      throw new Lmer2JagsError('--data needs a file name, but it is empty', { hint: 'leave --data out for a symbolic explanation, or give a CSV, JSON or R dump file' });
    }
    if (args.data === undefined && (args.weights !== undefined || args.offset !== undefined)) {
      throw new Lmer2JagsError(`--${args.weights !== undefined ? 'weights' : 'offset'} names a data column, but no --data was given`, {
        hint: 'add --data FILE, or leave the option out for a symbolic explanation',
      });
    }
    const table = args.data !== undefined ? await readDataFile(args.data) : null;
    const e = explainModel(
      args.formula,
      table,
      {
        param: args.param,
        cov: args.cov,
        priors: args.priors,
        eta: args.eta,
        ...(args.weights !== undefined ? { weights: args.weights } : {}),
        ...(args.offset !== undefined ? { offset: args.offset } : {}),
      },
      args.data ?? null,
    );
    if (args.json) out.json(e);
    else out.result(renderExplanation(e, args.format));
    return 0;
  });
}
