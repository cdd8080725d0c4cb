/**
 * The command-line shell: yargs wiring only. Each command lives in its own file and calls the
 * library; results go to stdout, messages to stderr, and the exit code says what happened.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yargs, { type Argv } from 'yargs';
import { ExitCode } from '../errors.js';
import { packageRoot } from '../paths.js';
import { reportError } from './common.js';
import { runDemo } from './demo.js';
import { Output } from './output.js';
import { modelOptions, runParse, type ParseArgs } from './parse.js';
import { runSimulate, simulateOptions, type SimulateArgs } from './simulate.js';

const EXIT_CODES = `Exit codes:
  0  success
  1  verify found discrepancies beyond tolerance
  2  bad input (formula, data, files, options): the message says where and what to do
  3  internal error (a bug in lmer2jags; rerun with --debug and report it)`;

function version(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function globalOptions<T>(y: Argv<T>) {
  return y
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object on stdout' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no messages on stderr (errors still shown)' })
    .option('debug', { type: 'boolean', default: false, describe: 'show stack traces for errors' });
}

/** Run the CLI on argv (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let code: number = ExitCode.ok;
  let failed = false;
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
      'simulate',
      "simulate grouped data like the seed post's example (y ~ x + (x | grp))",
      (y) => simulateOptions(y).example('$0 simulate --groups 100 --per-group 8 --seed 1 --out data.csv', '').epilogue(EXIT_CODES),
      async (args) => {
        code = await runSimulate(args as unknown as SimulateArgs);
      },
    )
    .command(
      'demo',
      "run the seed post's example end to end on its shipped data",
      (y) => y.epilogue(EXIT_CODES),
      async (args) => {
        code = await runDemo(args);
      },
    )
    .demandCommand(1, 'name a command (see the list above)')
    .recommendCommands()
    .strict()
    .help()
    .alias('help', 'h')
    .version(version())
    .epilogue(EXIT_CODES)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      failed = true;
      if (err) throw err;
      process.stderr.write(`error: ${msg}\nhint: run "lmer2jags --help" (or "lmer2jags <command> --help") for usage\n`);
    });
  try {
    await parser.parseAsync();
  } catch (e) {
    return reportError(new Output(), e, argv.includes('--debug'));
  }
  return failed ? ExitCode.badInput : code;
}
