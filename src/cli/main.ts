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
import { exitQuietlyOnClosedStdout, Output } from './output.js';

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

/** What a command's module gives the shell: its options and its run function. */
interface CommandModule {
  readonly options: (y: Argv) => Argv;
  readonly run: (args: never) => Promise<number>;
}

interface CommandEntry {
  readonly usage: string;
  readonly describe: string;
  readonly examples: readonly (readonly [string, string])[];
  /** Loads the command's module (only the one that runs is loaded: start-up stays short). */
  readonly load: () => Promise<CommandModule>;
}

const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  parse: {
    usage: 'parse <formula>',
    describe: 'show the model description (IR) for a formula and data: response, fixed-effect columns, random terms',
    examples: [['$0 parse "Reaction ~ Days + (Days | Subject)" --data sleepstudy.csv', '']],
    load: () => import('./parse.js').then((m) => ({ options: m.modelOptions, run: m.runParse })),
  },
  fit: {
    usage: 'fit <formula>',
    describe: "fit the model as lme4's lmer() does and print its summary (REML, or ML with --ml)",
    examples: [['$0 fit "Reaction ~ Days + (Days | Subject)" --data sleepstudy.csv', '']],
    load: () => import('./fit.js').then((m) => ({ options: m.fitOptions, run: m.runFit })),
  },
  convert: {
    usage: 'convert <formula>',
    describe: 'write the JAGS files for an lmer model: model.jags, data.R, inits*.R, run.cmd, names.json',
    examples: [['$0 convert "Reaction ~ Days + (Days | Subject)" --data sleepstudy.csv --out sleep', '']],
    load: () => import('./convert.js').then((m) => ({ options: m.convertOptions, run: m.runConvert })),
  },
  sample: {
    usage: 'sample <dir>',
    describe: 'run the chains of a converted model and summarize every monitored node (R-hat, ESS, MCSE)',
    examples: [['$0 sample sleep --engine jags', '']],
    load: () => import('./sample.js').then((m) => ({ options: m.sampleOptions, run: m.runSample })),
  },
  verify: {
    usage: 'verify <formula>',
    describe: 'fit lmer, convert, sample, and compare every lme4 quantity with its posterior counterpart (exit 1 on discrepancies)',
    examples: [['$0 verify "Reaction ~ Days + (Days | Subject)" --data sleepstudy.csv --report verify.html', '']],
    load: () => import('./verify.js').then((m) => ({ options: m.verifyOptions, run: m.runVerify })),
  },
  explain: {
    usage: 'explain <formula>',
    describe: 'what an lmer model means in Bayesian terms: its equations, the hierarchical model, the JAGS code and the name map',
    examples: [
      ['$0 explain "y ~ x + (x | grp)"', 'symbolic, without data'],
      ['$0 explain "Reaction ~ Days + (Days | Subject)" --data sleepstudy.csv --format md', ''],
    ],
    load: () => import('./explain.js').then((m) => ({ options: m.explainOptions, run: m.runExplain })),
  },
  simulate: {
    usage: 'simulate',
    describe: "simulate grouped data like the seed post's example (y ~ x + (x | grp))",
    examples: [['$0 simulate --groups 100 --per-group 8 --seed 1 --out data.csv', '']],
    load: () => import('./simulate.js').then((m) => ({ options: m.simulateOptions, run: m.runSimulate })),
  },
  demo: {
    usage: 'demo',
    describe: "run the seed post's example end to end on its shipped data: fit, convert, sample, verify, and write demo-report.html",
    examples: [],
    load: () => import('./demo.js').then((m) => ({ options: m.demoOptions, run: m.runDemo })),
  },
};

/**
 * The command argv names: the first word that is not an option (the global options are all
 * flags, so no option value comes before it).
 */
function commandName(argv: readonly string[]): string | undefined {
  for (const a of argv) {
    if (a === '--') return undefined;
    if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** Run the CLI on argv (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  exitQuietlyOnClosedStdout();
  let code: number = ExitCode.ok;
  let parser: Argv;
  try {
    // yargs builds the options of the command that runs only, so only its module is loaded.
    const name = commandName(argv);
    const selected = name !== undefined && Object.hasOwn(COMMANDS, name) ? await COMMANDS[name].load() : null;
    parser = globalOptions(yargs([...argv]))
      .scriptName('lmer2jags')
      .usage('$0 <command> [options]\n\nTurn lme4::lmer formulas into JAGS models, and check the conversion.');
    for (const [cmd, entry] of Object.entries(COMMANDS)) {
      const mod = cmd === name ? selected : null;
      parser = parser.command(
        entry.usage,
        entry.describe,
        (y) => {
          let b = mod ? mod.options(y) : y;
          for (const [ex, what] of entry.examples) b = b.example(ex, what);
          return b.epilogue(EXIT_CODES);
        },
        async (args) => {
          const m = mod ?? (await entry.load());
          code = await m.run(args as never);
        },
      );
    }
    parser = parser
      .demandCommand(1, 'name a command')
      .recommendCommands()
      .strict()
      .help()
      .alias('help', 'h')
      .version(version())
      .epilogue(EXIT_CODES)
      // The help text is laid out only when asked for (yargs renders it on every run otherwise).
      .wrap(argv.some((a) => a === '--help' || a === '-h') ? Math.min(100, process.stdout.columns ?? 100) : null)
      .fail((msg, err) => {
        if (err) throw err;
        // Throwing stops yargs here: one message, and the command does not run on bad options.
        throw new Lmer2JagsError(msg, { hint: 'run "lmer2jags --help" (or "lmer2jags <command> --help") for usage' });
      });
    await parser.parseAsync();
  } catch (e) {
    return reportError(new Output(), e, argv.includes('--debug'));
  }
  return code;
}
