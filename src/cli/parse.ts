/** `lmer2jags parse "<formula>" --data FILE [--json]`: show the model description (IR). */
import type { Argv } from 'yargs';
import { readDataFile } from '../data/read.js';
import { Lmer2JagsError } from '../errors.js';
import { buildModelSpec } from '../model/build.js';
import { formatSpec, summarizeSpec } from '../model/describe.js';
import type { ModelSpec } from '../model/spec.js';
import { type CommonArgs, withOutput } from './common.js';
import type { Output } from './output.js';

/** The options that name the model: formula, data and lmer's weights and offset columns. */
export interface ModelArgs {
  formula: string;
  data: string;
  weights?: string;
  offset?: string;
}

export interface ParseArgs extends CommonArgs, ModelArgs {}

export function modelOptions<T>(y: Argv<T>) {
  return y
    .positional('formula', { type: 'string', demandOption: true, describe: 'an lme4 formula, e.g. "y ~ x + (x | grp)" (quote it)' })
    .option('data', { alias: 'd', type: 'string', demandOption: true, describe: 'data file: CSV (header row), JSON (array of records) or R dump' })
    .option('weights', { type: 'string', describe: "a data column of prior weights (lmer's weights =)" })
    .option('offset', { type: 'string', describe: "a data column used as an offset (lmer's offset =)" });
}

/**
 * Reads the data and builds the model description, telling on stderr lme4's messages about it
 * and how many rows were dropped for missing values.
 */
export async function loadModel(args: ModelArgs, out: Output): Promise<ModelSpec> {
  const table = await readDataFile(args.data);
  const spec = buildModelSpec(args.formula, table, {
    ...(args.weights !== undefined ? { weights: args.weights } : {}),
    ...(args.offset !== undefined ? { offset: args.offset } : {}),
  });
  for (const m of spec.messages) out.info(m);
  if (spec.rows.dropped > 0) out.info(`${spec.rows.dropped} of ${spec.rows.total} rows dropped for missing values`);
  return spec;
}

export async function runParse(args: ParseArgs): Promise<number> {
  return withOutput(args, async (out) => {
    if (args.data.trim() === '') {
      throw new Lmer2JagsError('--data needs a file name, but it is empty', { hint: 'e.g. --data sleepstudy.csv (CSV, JSON or an R dump)' });
    }
    const spec = await loadModel(args, out);
    if (args.json) out.json(summarizeSpec(spec));
    else out.result(formatSpec(spec, args.data));
    return 0;
  });
}
