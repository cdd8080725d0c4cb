/**
 * `lmer2jags demo`: the seed post end to end on its own data (100 groups of 8, made in R with
 * set.seed(1) and dumped with R's dump(), shipped in fixtures/seed/datadump.R): fit lmer,
 * convert to JAGS, sample with the bundled engine, verify, print the comparison (the post's
 * side-by-side numbers, then every row of verify's table) and write demo-report.html.
 */
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { readDataFile } from '../data/read.js';
import { buildModelSpec } from '../model/build.js';
import { seedDataDump } from '../paths.js';
import { writeOutputFile } from '../util/atomic-write.js';
import { formatVerifyResult, num, verifyResultToJson } from '../verify/format.js';
import { ENGINES, type Engine, verifyModel, type VerifyResult } from '../verify/verify.js';
import { type CommonArgs, withOutput } from './common.js';
import { table } from './output.js';
import { checkReportPath, verifyExitCode, verifyProgress } from './verify.js';

export const DEMO_FORMULA = 'y ~ x + (x | grp)';

/**
 * The demo's run: 4 chains of 1500 draws after 500 of burn-in. The bundled engine's blocked
 * sampler gives an ESS near the number of draws on this model, so this is plenty for every
 * rule, and the whole demo stays well under 15 s on two cores.
 */
export const DEMO_RUN = { chains: 4, burnin: 500, iter: 1500, seed: 1 } as const;

/** What the seed post printed (its JAGS run on the same data, one chain of 5000 draws). */
export const SEED_POST = {
  fixef: { '(Intercept)': 0.65554871, x: -0.02004891 },
  se: { '(Intercept)': 0.09816011, x: 0.11709929 },
  jagsMean: { '(Intercept)': 0.65790942, x: -0.02102375 },
  jagsSd: { '(Intercept)': 0.09918014, x: 0.11892642 },
} as const;

export interface DemoArgs extends CommonArgs {
  report: string;
  engine: Engine;
}

export function demoOptions<T>(y: Argv<T>) {
  return y
    .option('report', { type: 'string', default: 'demo-report.html', describe: 'where to write the HTML report (relative to the current folder)' })
    .option('engine', { choices: ENGINES, default: 'bundled' as Engine, describe: 'bundled: our own sampler; jags: the real JAGS' });
}

/** The seed post's two comparisons, fixef ↔ posterior mean and se ↔ posterior SD, with the post's own JAGS numbers. */
export function seedComparison(result: VerifyResult): string {
  const rows = [['', 'fixef(lmer.y)', 'posterior mean', "post's JAGS mean", 'se.fixef(lmer.y)', 'posterior sd', "post's JAGS sd"]];
  for (const name of ['(Intercept)', 'x'] as const) {
    const node = result.names.fixef[name];
    const s = node ? result.posterior.get(node) : undefined;
    rows.push([
      name,
      num(result.fit.fixef[name] ?? NaN),
      s ? num(s.mean) : 'NA',
      num(SEED_POST.jagsMean[name]),
      num(result.fit.se[name] ?? NaN),
      s ? num(s.sd) : 'NA',
      num(SEED_POST.jagsSd[name]),
    ]);
  }
  return table(rows, '  ');
}

export async function runDemo(args: DemoArgs): Promise<number> {
  return withOutput(args, async (out) => {
    const reportPath = args.report ?? 'demo-report.html';
    await checkReportPath(reportPath);
    out.info(`lmer2jags demo: the seed post's model ${DEMO_FORMULA} on its simulated data (R dump: ${seedDataDump})`);
    const table0 = await readDataFile(seedDataDump);
    const spec = buildModelSpec(DEMO_FORMULA, table0);
    const progress = verifyProgress(out, Boolean(process.stderr.isTTY) && !args.quiet);
    let result: VerifyResult;
    try {
      result = await verifyModel(spec, { ...DEMO_RUN, engine: args.engine ?? 'bundled', onProgress: progress.onProgress });
    } finally {
      progress.stop();
    }
    for (const w of result.warnings) out.warn(w);
    const started = performance.now();
    const { renderReport, reportInputFromResult } = await import('../verify/report.js'); // vega: loaded only for a report
    await writeOutputFile(reportPath, await renderReport(reportInputFromResult(result, 'fixtures/seed/datadump.R')), '--report');
    const reportSeconds = (performance.now() - started) / 1000;
    if (args.json) {
      out.json({ ...verifyResultToJson(result), report: resolve(reportPath) });
    } else {
      out.result(
        [
          "The seed post's comparison: lmer's fixed effects and standard errors beside the posterior means and SDs of mu.a and mu.b",
          '',
          seedComparison(result),
          '',
          formatVerifyResult(result, { rules: false }),
        ].join('\n'),
      );
    }
    out.info(`wrote the report ${resolve(reportPath)}`);
    out.info(
      `demo took ${(result.seconds.total + reportSeconds).toFixed(1)} s (fit ${result.seconds.fit.toFixed(1)}, convert ${result.seconds.convert.toFixed(1)}, sample ${result.seconds.sample.toFixed(1)}, compare ${result.seconds.compare.toFixed(1)}, report ${reportSeconds.toFixed(1)}); see how each row is judged with: lmer2jags verify "${DEMO_FORMULA}" --data ${seedDataDump}`,
    );
    return verifyExitCode(result);
  });
}
