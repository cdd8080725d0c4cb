/** `lmer2jags simulate --groups 100 --per-group 8 --seed 1 --out data.csv`. */
import type { Argv } from 'yargs';
import { simulateGrouped, simulatedCsv } from '../data/simulate.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { type CommonArgs, withOutput } from './common.js';

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
    .option('out', { alias: 'o', type: 'string', describe: 'CSV file to write (default: stdout)' })
    .option('rho', { type: 'number', describe: 'correlation of group intercepts and slopes (default 0)' })
    .option('sd-a', { type: 'number', describe: 'SD of the group intercepts (default 1)' })
    .option('sd-b', { type: 'number', describe: 'SD of the group slopes (default 1)' })
    .option('sigma', { type: 'number', describe: 'residual SD (default 1)' })
    .option('scale', { type: 'number', describe: 'multiply y by this (default 1)' })
    .option('shift', { type: 'number', describe: 'then add this to y (default 0)' });
}

export async function runSimulate(args: SimulateArgs): Promise<number> {
  return withOutput(args, async (out) => {
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
    const csv = simulatedCsv(d);
    if (args.out === undefined || args.out === '-') {
      out.result(csv);
    } else {
      await writeFileAtomic(args.out, csv);
      out.info(`wrote ${args.out}: ${d.y.length} rows (y, x, grp), ${args.groups} groups of ${args['per-group']}`);
      out.info(`try: lmer2jags parse "y ~ x + (x | grp)" --data ${args.out}`);
    }
    return 0;
  });
}
