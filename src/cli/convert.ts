/**
 * `lmer2jags convert "<formula>" --data FILE --out DIR`: write the JAGS files for an lmer
 * model (model.jags, data.R, inits1.R … initsK.R, run.cmd, names.json).
 */
import type { Argv } from 'yargs';
import { COVARIANCE_FORMS, PARAMETERIZATIONS, type CovarianceForm, type Parameterization } from '../jags/names.js';
import { PRIOR_SETS, type PriorSet } from '../jags/priors.js';
import { type ConvertOptions, convertModel, DEFAULT_OPTIONS } from '../jags/render.js';
import { writeConversion } from '../jags/write.js';
import { type CommonArgs, withOutput } from './common.js';
import { table } from './output.js';
import { loadModel, type ModelArgs, modelOptions } from './parse.js';

/** The model and conversion options (shared by convert and verify). */
export interface ConversionArgs extends ModelArgs {
  param: Parameterization;
  cov: CovarianceForm;
  priors: PriorSet;
  eta: number;
  chains: number;
  burnin: number;
  iter: number;
  thin: number;
  seed: number;
}

export interface ConvertArgs extends CommonArgs, ConversionArgs {
  out: string;
  force: boolean;
}

export function convertOptions<T>(y: Argv<T>) {
  return conversionOptions(
    modelOptions(y).option('out', { alias: 'o', type: 'string', demandOption: true, describe: 'folder to write the JAGS files into (created if missing)' }),
  ).option('force', { type: 'boolean', default: false, describe: 'overwrite the files of an earlier conversion in --out' });
}

/** The options of the conversion itself (shared by convert and verify). */
export function conversionOptions<T>(y: Argv<T>) {
  const d = DEFAULT_OPTIONS;
  return y
    .option('param', { choices: PARAMETERIZATIONS, default: d.param, describe: "group-means: the fixed effect is each group coefficient's mean (the seed post's); offsets: X beta + Z b, b with mean 0 (adds load glm)" })
    .option('cov', { choices: COVARIANCE_FORMS, default: d.cov, describe: 'prior of correlated random terms such as (x | g); independent is the seed post\'s (it matches x || g)' })
    .option('priors', { choices: PRIOR_SETS, default: d.priors, describe: "auto: vague relative to the data's scale; seed: the post's dnorm(0, 0.0001) and dunif(0, 100)" })
    .option('eta', { type: 'number', default: d.eta, describe: 'LKJ shape for --cov lkj (1: uniform over correlation matrices)' })
    .option('chains', { type: 'number', default: d.chains, describe: 'number of chains' })
    .option('burnin', { type: 'number', default: d.burnin, describe: 'iterations before monitoring (includes adaptation)' })
    .option('iter', { type: 'number', default: d.iter, describe: 'iterations monitored after the burn-in' })
    .option('thin', { type: 'number', default: d.thin, describe: 'keep every k-th monitored iteration' })
    .option('seed', { type: 'number', default: d.seed, describe: 'seed for the chains (.RNG.seed of each inits file) and their starting values' });
}

const WHAT: Record<string, string> = {
  'model.jags': 'the BUGS model, commented',
  'data.R': 'the data, as JAGS reads it',
  'run.cmd': 'the JAGS command script (jags run.cmd)',
  'names.json': "which node is which of lmer's estimates",
};

/** The conversion options of the command line, as convertModel takes them. */
export function conversionSettings(args: ConversionArgs): ConvertOptions {
  return {
    param: args.param,
    cov: args.cov,
    priors: args.priors,
    eta: args.eta,
    chains: args.chains,
    burnin: args.burnin,
    iter: args.iter,
    thin: args.thin,
    seed: args.seed,
  };
}

export async function runConvert(args: ConvertArgs): Promise<number> {
  return withOutput(args, async (out) => {
    const spec = await loadModel(args, out);
    const conv = convertModel(spec, conversionSettings(args));
    const paths = await writeConversion(args.out, conv.files, { force: args.force });
    if (args.json) {
      out.json({ out: args.out, files: paths, names: conv.names, monitors: conv.monitors, options: conv.options });
      return 0;
    }
    const rows = [...conv.files.keys()].map((f, i) => [paths[i], WHAT[f] ?? `initial values of chain ${f.replace(/\D/g, '')}`]);
    out.result(table(rows, ''));
    out.info(`wrote ${paths.length} files to ${args.out}; next: lmer2jags sample ${args.out} --engine jags`);
    return 0;
  });
}
