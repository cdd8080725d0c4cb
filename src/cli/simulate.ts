/** `lmer2jags simulate --groups 100 --per-group 8 --seed 1 --out data.csv`. */
import type { Argv } from 'yargs';
import { simulateGrouped, simulatedCsv } from '../data/simulate.js';
import { Lmer2JagsError } from '../errors.js';
import { writeOutputFile } from '../util/atomic-write.js';
import { type CommonArgs, withOutput } from './common.js';

/** The most rows simulate makes (a CSV of about 600 MB). */
export const MAX_SIMULATED_ROWS = 10_000_000;

export interface SimulateArgs extends CommonArgs {
  groups: number;
  'per-group': number;
  seed: number;
  out?: string;
  rho?: number;
  'sd-a'?: number;
  'sd-b'?: number;
  sigma?: number;
  scale?: number;
  shift?: number;
}

export function simulateOptions<T>(y: Argv<T>) {
  return y
    .option('groups', { type: 'number', default: 100, describe: 'number of groups (m)' })
    .option('per-group', { type: 'number', default: 8, describe: 'observations per group' })
    .option('seed', { type: 'number', default: 1, describe: "R's set.seed(): --seed 1 gives exactly the seed post's data" })
    .option('out', { alias: 'o', type: 'string', describe: 'CSV file to write, whole or not at all (default or -: stdout; with --json, the columns as JSON)' })
    .option('rho', { type: 'number', describe: 'correlation of group intercepts and slopes (default 0)' })
    .option('sd-a', { type: 'number', describe: 'SD of the group intercepts (default 1)' })
    .option('sd-b', { type: 'number', describe: 'SD of the group slopes (default 1)' })
    .option('sigma', { type: 'number', describe: 'residual SD (default 1)' })
    .option('scale', { type: 'number', describe: 'multiply y by this (default 1)' })
    .option('shift', { type: 'number', describe: 'then add this to y (default 0)' });
}

export async function runSimulate(args: SimulateArgs): Promise<number> {
  return withOutput(args, async (out) => {
    const rows = args.groups * args['per-group'];
    if (rows > MAX_SIMULATED_ROWS) {
      throw new Lmer2JagsError(`--groups ${args.groups} × --per-group ${args['per-group']} is ${rows} rows; the most simulate makes is ${MAX_SIMULATED_ROWS}`, {
        hint: 'ask for fewer groups or fewer observations per group',
      });
    }
    const d = simulateGrouped({
      groups: args.groups,
      perGroup: args['per-group'],
      seed: args.seed,
      ...(args.rho !== undefined ? { rho: args.rho } : {}),
      ...(args['sd-a'] !== undefined ? { sdA: args['sd-a'] } : {}),
      ...(args['sd-b'] !== undefined ? { sdB: args['sd-b'] } : {}),
      ...(args.sigma !== undefined ? { sigma: args.sigma } : {}),
      ...(args.scale !== undefined ? { scale: args.scale } : {}),
      ...(args.shift !== undefined ? { shift: args.shift } : {}),
    });
    const overflow = d.y.findIndex((v) => !Number.isFinite(v));
    if (overflow >= 0) {
      throw new Lmer2JagsError(`y overflows: row ${overflow + 1} is ${d.y[overflow]} with --scale ${args.scale ?? 1} and --shift ${args.shift ?? 0}`, {
        hint: 'use a smaller --scale or --shift (doubles end near 1.8e308)',
      });
    }
    const toStdout = args.out === undefined || args.out === '-';
    if (toStdout) {
      // --json: the columns as one JSON object, which `--data file.json` reads back.
      if (args.json) out.json({ y: Array.from(d.y), x: Array.from(d.x), grp: Array.from(d.grp) });
      else out.result(simulatedCsv(d));
      return 0;
    }
    const path = args.out as string;
    await writeOutputFile(path, simulatedCsv(d));
    if (args.json) {
      out.json({ out: path, rows: d.y.length, columns: ['y', 'x', 'grp'], groups: args.groups, perGroup: args['per-group'], seed: args.seed });
    }
    out.info(`wrote ${path}: ${d.y.length} rows (y, x, grp), ${args.groups} groups of ${args['per-group']}`);
    out.info(`try: lmer2jags parse "y ~ x + (x | grp)" --data ${path}`);
    return 0;
  });
}
