/**
 * `lmer2jags demo`: the seed post's example on its own data (100 groups of 8, made in R with
 * set.seed(1) and dumped with R's dump(), shipped in fixtures/seed/datadump.R).
 */
import { readDataFile } from '../data/read.js';
import { buildModelSpec } from '../model/build.js';
import { formatSpec, summarizeSpec } from '../model/describe.js';
import { seedDataDump } from '../paths.js';
import { type CommonArgs, withOutput } from './common.js';

export const DEMO_FORMULA = 'y ~ x + (x | grp)';

export async function runDemo(args: CommonArgs): Promise<number> {
  return withOutput(args, async (out) => {
    out.info(`lmer2jags demo: the seed post's model ${DEMO_FORMULA} on its simulated data (R dump: ${seedDataDump})`);
    const table = await readDataFile(seedDataDump);
    const spec = buildModelSpec(DEMO_FORMULA, table);
    if (args.json) out.json(summarizeSpec(spec));
    else out.result(formatSpec(spec, 'fixtures/seed/datadump.R'));
    return 0;
  });
}
