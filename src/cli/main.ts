/**
 * The command-line shell: yargs wiring only. Each command lives in its own file and calls the
 * library; results go to stdout, messages to stderr, and the exit code says what happened.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yargs, { type Argv } from 'yargs';
import { ExitCode, Lmer2JagsError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { reportError } from './common.js';
import { convertOptions, runConvert, type ConvertArgs } from './convert.js';
import { demoOptions, runDemo, type DemoArgs } from './demo.js';
import { explainOptions, runExplain, type ExplainArgs } from './explain.js';
import { fitOptions, runFit, type FitArgs } from './fit.js';
import { exitQuietlyOnClosedStdout, Output } from './output.js';
import { modelOptions, runParse, type ParseArgs } from './parse.js';
import { runSample, sampleOptions, type SampleArgs } from './sample.js';
import { runSimulate, simulateOptions, type SimulateArgs } from './simulate.js';
import { runVerify, verifyOptions, type VerifyArgs } from './verify.js';

const EXIT_CODES = `Exit codes:
  0  success
  1  verify found discrepancies beyond tolerance
  2  bad input (formula, data, files, options): the message says where and what to do
  3  internal error (a bug in lmer2jags; rerun with --debug and report it)
  130  interrupted (Ctrl-C) while sampling: no samples were kept

Results go to stdout, messages to stderr. With --json, stdout is exactly one JSON object on
success, and empty on an error (the message is on stderr, the exit code says which).
NO_COLOR=1 turns colours off (they are only used on a terminal anyway).`;

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function globalOptions<T>(y: Argv<T>) {
  return y
    .option('json', { type: 'boolean', default: false, describe: 'print the result as one JSON object on stdout (nothing on stdout on an error)' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no informational messages on stderr (warnings and errors still shown)' })
    .option('debug', { type: 'boolean', default: false, describe: 'show a stack trace with an error' });
}

/** Run the CLI on argv (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  exitQuietlyOnClosedStdout();
  let code: number = ExitCode.ok;
  const parser = globalOptions(yargs([...argv]))
    .scriptName('lmer2jags')
    .usage('$0 <command> [options]\n\nTurn lme4::lmer formulas into JAGS models, and check the conversion.')
    .command(
      'parse <formula>',
      'show the model description (IR) for a formula and data: response, fixed-effect columns, random terms',
      (y) => modelOptions(y).example('$0 parse "Reaction ~ Days + (Days | Subject)" --data sleepstudy.csv', '').epilogue(EXIT_CODES),
      async (args) => {
        code = await runParse(args as unknown as ParseArgs);
      },
    )
    .command(
      'fit <formula>',
      "fit the model as lme4's lmer() does and print its summary (REML, or ML with --ml)",
      (y) => fitOptions(y).example('$0 fit "Reaction ~ Days + (Days | Subject)" --data sleepstudy.csv', '').epilogue(EXIT_CODES),
      async (args) => {
        code = await runFit(args as unknown as FitArgs);
      },
    )
    .command(
      'convert <formula>',
      'write the JAGS files for an lmer model: model.jags, data.R, inits*.R, run.cmd, names.json',
      (y) => convertOptions(y).example('$0 convert "Reaction ~ Days + (Days | Subject)" --data sleepstudy.csv --out sleep', '').epilogue(EXIT_CODES),
      async (args) => {
        code = await runConvert(args as unknown as ConvertArgs);
      },
    )
    .command(
      'sample <dir>',
      'run the chains of a converted model and summarize every monitored node (R-hat, ESS, MCSE)',
      (y) => sampleOptions(y).example('$0 sample sleep --engine jags', '').epilogue(EXIT_CODES),
      async (args) => {
        code = await runSample(args as unknown as SampleArgs);
      },
    )
    .command(
      'verify <formula>',
      'fit lmer, convert, sample, and compare every lme4 quantity with its posterior counterpart (exit 1 on discrepancies)',
      (y) =>
        verifyOptions(y)
          .example('$0 verify "Reaction ~ Days + (Days | Subject)" --data sleepstudy.csv --report verify.html', '')
          .epilogue(EXIT_CODES),
      async (args) => {
        code = await runVerify(args as unknown as VerifyArgs);
      },
    )
    .command(
      'explain <formula>',
      'what an lmer model means in Bayesian terms: its equations, the hierarchical model, the JAGS code and the name map',
      (y) =>
        explainOptions(y)
          .example('$0 explain "y ~ x + (x | grp)"', 'symbolic, without data')
          .example('$0 explain "Reaction ~ Days + (Days | Subject)" --data sleepstudy.csv --format md', '')
          .epilogue(EXIT_CODES),
      async (args) => {
        code = await runExplain(args as unknown as ExplainArgs);
      },
    )
    .command(
      'simulate',
      "simulate grouped data like the seed post's example (y ~ x + (x | grp))",
      (y) => simulateOptions(y).example('$0 simulate --groups 100 --per-group 8 --seed 1 --out data.csv', '').epilogue(EXIT_CODES),
      async (args) => {
        code = await runSimulate(args as unknown as SimulateArgs);
      },
    )
    .command(
      'demo',
      "run the seed post's example end to end on its shipped data: fit, convert, sample, verify, and write demo-report.html",
      (y) => demoOptions(y).epilogue(EXIT_CODES),
      async (args) => {
        code = await runDemo(args as unknown as DemoArgs);
      },
    )
    .demandCommand(1, 'name a command')
    .recommendCommands()
    .strict()
    .help()
    .alias('help', 'h')
    .version(version())
    .epilogue(EXIT_CODES)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      if (err) throw err;
      // Throwing stops yargs here: one message, and the command does not run on bad options.
      throw new Lmer2JagsError(msg, { hint: 'run "lmer2jags --help" (or "lmer2jags <command> --help") for usage' });
    });
  try {
    await parser.parseAsync();
  } catch (e) {
    return reportError(new Output(), e, argv.includes('--debug'));
  }
  return code;
}
