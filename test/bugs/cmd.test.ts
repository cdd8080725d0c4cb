/**
 * The JAGS command script reader (src/bugs/cmd.ts): every command JAGS 4.3.1's terminal
 * reads that the bundled engine runs, their options, and codaStem (which files `sample` reads
 * back). Errors are checked through the real command in bad-models.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codaStem, parseCommands } from '../../src/bugs/cmd.js';
import { Lmer2JagsError } from '../../src/errors.js';

describe('parseCommands', () => {
  it('reads every command with its options, quoted or bare file names, comments and blank lines', () => {
    const cmds = parseCommands(
      `# a script
load glm
model in "model.jags"
data in 'data.R'
compile, nchains(3)
parameters in inits1.R, chain(1)
inits in "inits2.R", chain(2)
initialize
adapt 500
update 1000, by(100)
monitor set b[1:3, 2], thin(5), type(trace)
monitor sigma
coda *, stem("out")
coda b, stem(bb)
exit
update 5
`,
      'run.cmd',
    );
    assert.deepEqual(
      cmds.map((c) => c.kind),
      ['load', 'model', 'data', 'compile', 'inits', 'inits', 'initialize', 'update', 'update', 'monitor', 'monitor', 'coda', 'coda', 'exit'],
    );
    const get = <K extends string>(k: K, i = 0) => cmds.filter((c) => c.kind === k)[i] as Extract<(typeof cmds)[number], { kind: K }>;
    assert.equal(get('model').file, 'model.jags');
    assert.deepEqual(get('model').fileLoc, { line: 3, column: 10 });
    assert.equal(get('data').file, 'data.R');
    assert.equal(get('compile').nchains, 3);
    assert.deepEqual([get('inits').file, get('inits').chain, get('inits', 1).chain], ['inits1.R', 1, 2]);
    assert.deepEqual([get('update').n, get('update').adapt, get('update', 1).n, get('update', 1).adapt], [500, true, 1000, false]);
    const m = get('monitor');
    assert.deepEqual([m.name, m.range, m.thin], ['b', [{ lo: 1, hi: 3 }, { lo: 2, hi: 2 }], 5]);
    assert.deepEqual([get('coda').name, get('coda').stem, get('coda', 1).name, get('coda', 1).stem], ['*', 'out', 'b', 'bb']);
  });

  it('refuses what it does not run, at the line and column', () => {
    const at = (text: string, line: number, column: number, message: RegExp) => {
      assert.throws(
        () => parseCommands(text, 'run.cmd'),
        (e: unknown) => e instanceof Lmer2JagsError && message.test(e.message) && e.location?.kind === 'file' && e.location.line === line && e.location.column === column && e.hint !== undefined,
        text,
      );
    };
    at('model in "m"\ndata to "out.R"', 2, 1, /'data to' is not supported/);
    at('monitor b, type(mean)', 1, 17, /monitor type 'mean' is not supported/);
    at('load foo', 1, 6, /unknown module 'foo'/);
    at('compile, nchains(0)', 1, 18, /nchains\(…\) needs a whole number of at least 1/);
    at('monitor b, thin(2), thin(3)', 1, 21, /option 'thin' is given twice/);
    at('model in "m', 1, 10, /unterminated string/);
    at('coda b[1]', 1, 7, /writes whole monitored nodes/);
    at('update 10 20', 1, 11, /expected ',', found '20'/);
    at('initialize now', 1, 12, /unexpected 'now' at the end of the command/);
  });
});

describe('codaStem', () => {
  it('is the stem of the first coda * command, else of the first coda command, else CODA', () => {
    assert.equal(codaStem('model in "m"\ncoda *\n'), 'CODA');
    assert.equal(codaStem('coda b, stem(bb)\ncoda *, stem("out")\n'), 'out');
    assert.equal(codaStem("coda *, stem('q')"), 'q');
    assert.equal(codaStem('coda b, stem(bb)\n'), 'bb');
    assert.equal(codaStem('# coda *, stem(x)\nupdate 10\n'), 'CODA');
    // Also for scripts only real JAGS runs.
    assert.equal(codaStem('data to "d.R"\nsamplers to "s.txt"\ncoda *, stem(j)\n'), 'j');
  });
});
