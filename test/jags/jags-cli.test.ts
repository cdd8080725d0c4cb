/**
 * How JAGS's output becomes progress, warnings and errors (jags-cli.ts), on the text JAGS
 * 4.3.1 printed in real failed runs (recorded here, so this runs without JAGS; the CLI tests
 * in test/cli/sample.test.ts make the same failures happen for real).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Lmer2JagsError } from '../../src/errors.js';
import { checkRunFolder, jagsError, jagsWarnings, parseJagsLine, type JagsStage } from '../../src/jags/jags-cli.js';
import { tempDir } from './jags-run.js';

const BANNER = 'Welcome to JAGS 4.3.1 on Tue Dec  1 19:22:04 2026\nJAGS is free software and comes with ABSOLUTELY NO WARRANTY\nLoading module: basemod: ok\nLoading module: bugs: ok\n';
const COMPILED = `${BANNER}Reading data file data.R\nCompiling model graph\n   Resolving undeclared variables\n   Allocating nodes\nGraph information:\n   Observed stochastic nodes: 600\n   Unobserved stochastic nodes: 35\n   Total graph size: 4380\nReading parameter file inits1.R\nReading parameter file inits2.R\n`;
const RUN_CMD = 'model in "model.jags"\ndata in "data.R"\ncompile, nchains(2)\nparameters in "inits1.R", chain(1)\nparameters in "inits2.R", chain(2)\ninitialize\nupdat 200\nmonitor mu.a\nmonitor sigma.yy\nupdate 300\ncoda *\nexit\n';

function folder(): { dir: string; cleanup: () => void } {
  const t = tempDir();
  writeFileSync(join(t.dir, 'run.cmd'), RUN_CMD);
  writeFileSync(join(t.dir, 'model.jags'), 'model {\n  for (i in 1:n) {\n    y[i] ~ dnorn(mu, tau)\n  }\n}\n');
  return t;
}

describe('parseJagsLine', () => {
  it('turns the stage lines of batch JAGS into stages, counting the updates', () => {
    const updates = { count: 0 };
    const stages = `${COMPILED}Initializing model\nUpdating 200\nUpdating 300\n`.split('\n').map((l) => parseJagsLine(l, updates)).filter((s): s is JagsStage => s !== null);
    assert.deepEqual(stages, [
      { stage: 'reading', what: 'data.R' }, { stage: 'compiling' }, { stage: 'reading', what: 'inits1.R' }, { stage: 'reading', what: 'inits2.R' },
      { stage: 'initializing' }, { stage: 'updating', iterations: 200, phase: 1 }, { stage: 'updating', iterations: 300, phase: 2 },
    ]);
  });
});

describe('jagsError: the file and stage an error is about', () => {
  const cases: [string, string, string, RegExp, RegExp | null][] = [
    // [stdout, stderr, expected location, message, code-frame line]
    [COMPILED.split('Graph')[0], 'RUNTIME ERROR:\nCompilation error on line 3.\nUnknown distribution: dnorn\n', 'model.jags:3', /while compiling the model \(exit code 1\):\n {2}\| RUNTIME ERROR:\n {2}\| Compilation error on line 3\.\n {2}\| Unknown distribution: dnorn/, /3 \| +y\[i\] ~ dnorn\(mu, tau\)/],
    [BANNER, 'Error parsing model file:\nsyntax error on line 3 near "*"\n', 'model.jags:3', /while reading model\.jags/, /y\[i\] ~ dnorn/],
    [`${BANNER}Reading data file data.R\n`, 'syntax error\n', 'data.R', /while reading data\.R \(exit code 1\):\n {2}\| syntax error/, null],
    [COMPILED.replace('Reading parameter file inits2.R\n', ''), 'Unable to open file inits2.R\nsyntax error\n', 'inits2.R', /while opening inits2\.R/, null],
    [BANNER, 'Failed to open file model.jags\n', 'model.jags', /while opening model\.jags/, null],
    [`${COMPILED}Initializing model\n`, 'syntax error\n', 'run.cmd:7', /while reading the commands of run\.cmd/, /7 \| updat 200/],
    [`${COMPILED}Initializing model\n`, 'Error in node sigma.y\nNode inconsistent with parents\n', '', /while initializing the model.*\n {2}\| Error in node sigma\.y\n {2}\| Node inconsistent with parents/, null],
  ];
  for (const [stdout, stderr, where, message, frame] of cases) {
    it(`${stderr.split('\n')[0] || stderr} -> ${where || 'the folder'}`, () => {
      const { dir, cleanup } = folder();
      try {
        const e = jagsError(dir, stderr, stdout, 1);
        assert.ok(e instanceof Lmer2JagsError);
        assert.match(e.message, message);
        const text = e.format();
        assert.match(text, new RegExp(`--> ${join(dir, where).replace(/[.]/g, '\\.')}\\n|--> ${join(dir, where).replace(/[.]/g, '\\.')}$`, 'm'));
        if (frame) assert.match(text, frame);
        assert.match(text, /hint: the message quoted above is JAGS's own/);
      } finally {
        cleanup();
      }
    });
  }
});

describe('jagsWarnings', () => {
  it('joins a WARNING line with the lines that continue it', () => {
    assert.deepEqual(jagsWarnings('/x', 'WARNING: Unused variable(s) in initial value table:\nzzz\n\nNOTE: Stopping adaptation\n'), [
      'WARNING: Unused variable(s) in initial value table: zzz', 'NOTE: Stopping adaptation',
    ]);
    assert.deepEqual(jagsWarnings('/x', ''), []);
  });
  it('a monitor JAGS could not set is an error pointing at its line of run.cmd', () => {
    const { dir, cleanup } = folder();
    try {
      assert.throws(() => jagsWarnings(dir, 'Failed to set trace monitor for sigma.yy\nVariable sigma.yy not found\n'), (e: unknown) => {
        assert.ok(e instanceof Lmer2JagsError);
        assert.match(e.message, /JAGS could not monitor sigma\.yy:\n {2}\| Failed to set trace monitor for sigma\.yy\n {2}\| Variable sigma\.yy not found/);
        assert.match(e.format(), /run\.cmd:9\n[\s\S]*9 \| monitor sigma\.yy/);
        return true;
      });
    } finally {
      cleanup();
    }
  });
});

describe('checkRunFolder', () => {
  it('says whether the folder is missing, a file, or lacks run.cmd', () => {
    const { dir, cleanup } = tempDir();
    try {
      assert.throws(() => checkRunFolder(join(dir, 'no')), /the folder .* does not exist/);
      writeFileSync(join(dir, 'f'), '');
      assert.throws(() => checkRunFolder(join(dir, 'f')), /is a file, not a folder/);
      assert.throws(() => checkRunFolder(dir), /no run\.cmd in /);
      mkdirSync(join(dir, 'run.cmd'));
      assert.throws(() => checkRunFolder(dir), /no run\.cmd in /, 'a folder named run.cmd is not a command file');
      assert.throws(() => checkRunFolder(' '), /no folder given/);
      writeFileSync(join(dir, 'other.cmd'), '');
      checkRunFolder(dir, 'other.cmd');
    } finally {
      cleanup();
    }
  });
});
