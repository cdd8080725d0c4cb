/**
 * Bad inputs to the existing commands (parse, simulate, demo) that test/cli/parse.test.ts does
 * not already cover: every one exits 2 with one message on stderr, nothing on stdout and no
 * stack trace. test/bad-inputs.md lists them all; write errors are in write-errors.test.ts.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixturePath } from '../helpers/fixtures.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { NOBODY, assertBadInput, canRunAsNobody, dataFile, expectBadInput, isRoot, runCliAs } from '../helpers/bad-input.js';

const sleep = fixturePath('data/sleepstudy.csv');

describe('bad input: formulas', { concurrency: true }, () => {
  it('an empty formula (empty, blank, or only a newline)', async () => {
    for (const f of ['', '   ', '\n']) await expectBadInput(['parse', f, '--data', sleep], /the formula is empty/);
  });
  it('a formula nested thousands deep is refused, not a stack overflow', async () => {
    const deep = `Reaction ~ ${'('.repeat(3000)}Days${')'.repeat(3000)} + (1 | Subject)`;
    await expectBadInput(['parse', deep, '--data', sleep], /nested too deeply/);
  });
  it('a formula whose terms would explode (a*b*c*… of 14 variables) is refused quickly', async () => {
    const f = `Reaction ~ ${Array.from({ length: 14 }, () => 'Days').map((d, i) => `I(${d}+${i})`).join('*')} + (1 | Subject)`;
    const started = Date.now();
    await expectBadInput(['parse', f, '--data', sleep], /expands to \d+ or more terms \(the limit is 4096\)/);
    assert.ok(Date.now() - started < 4000);
  });
});

describe('bad input: data files', { concurrency: true }, () => {
  it('an empty data file (0 bytes)', async () => {
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', dataFile('empty.csv', '')], /empty\.csv is empty \(0 bytes\)/);
  });
  it('a data file of blank lines, a header with no rows, an empty JSON array, an R dump of comments', async () => {
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', dataFile('blank.csv', '  \n\n')], /no header line/);
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', dataFile('header.csv', 'y,x,g\n')], /header line but no data rows/, /header\.csv:1/);
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', dataFile('empty.json', '[]')], /empty array/);
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', dataFile('empty.R', '# nothing here\n')], /holds no variables/);
  });
  it('binary data files: NUL bytes, a PNG, an Excel workbook, UTF-16 text', async () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', dataFile('image.csv', png)], /looks binary/);
    const xlsx = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 6, 0, 8, 0]);
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', dataFile('data.csv', xlsx)], /ZIP archive/, /export the sheet as CSV/);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('y,x,g\n1,2,a\n', 'utf16le')]);
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', dataFile('wide.csv', utf16)], /UTF-16/);
  });
  it('an unreadable data file (permission denied, for real: run as nobody when root)', async (t) => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const f = join(dir, 'secret.csv');
    writeFileSync(f, 'y,x,g\n1,2,a\n2,3,b\n');
    chmodSync(f, isRoot ? 0o600 : 0o000);
    if (!isRoot) return assertBadInput(await runCli(['parse', 'y ~ x + (1 | g)', '--data', f]), /permission denied/, /secret\.csv/);
    if (!(await canRunAsNobody())) return t.skip('user nobody cannot run lmer2jags from this checkout');
    assertBadInput(await runCliAs(NOBODY, ['parse', 'y ~ x + (1 | g)', '--data', f]), /cannot read .*secret\.csv: permission denied/, /chmod/);
  });
  it('all-NA data: every value missing, or the whole response missing', async () => {
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', dataFile('allna.csv', 'y,x,g\nNA,NA,NA\nNA,NA,NA\n,,\n')], /no rows left after removing rows with missing values/);
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', dataFile('yna.csv', 'y,x,g\nNA,1,a\nNA,2,b\nNA,3,a\n')], /no rows left/, /y: 3/);
    await expectBadInput(
      ['parse', 'y ~ x + (1 | g)', '--data', dataFile('allna.json', '[{"y": null, "x": 1, "g": "a"}, {"y": null, "x": 2, "g": "b"}]')],
      /no rows left/,
    );
  });
  it('more levels than rows: a grouping factor with one observation per level', async () => {
    await expectBadInput(
      ['parse', 'y ~ x + (1 | g)', '--data', dataFile('unique.csv', 'y,x,g\n1,2,a\n2,3,b\n3,1,c\n4,5,d\n')],
      /number of levels of each grouping factor must be < number of observations \(problems: g\)/,
    );
    // The same from an R dump, where g is an integer code per row.
    await expectBadInput(['parse', 'y ~ 1 + (1 | g)', '--data', dataFile('unique.R', 'y <- c(1, 2, 3, 4)\ng <- c(1L, 2L, 3L, 4L)\n')], /grouping factor must be </);
  });
  it('a factor declaring more levels than there are rows keeps only the levels it uses (as R drops unused levels)', async () => {
    const dump = 'g <- structure(c(1L, 2L, 1L, 2L), levels = c("a", "b", "c", "d", "e", "f"), class = "factor")\ny <- c(1, 2, 3, 4.5)\n';
    const r = await runCli(['parse', 'y ~ 1 + (1 | g)', '--data', dataFile('levels.R', dump), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).random[0].levels, 2);
  });
  it('an infinite value in the data: every command exits 2, naming the value and its line', async () => {
    // R reads Inf as a number and na.omit keeps the row; lme4 then stops with "NA/NaN/Inf in 'y'"
    // (fixtures/parse-errors/inf-response.json). This used to be exit 3 from the R dump writer.
    const f = dataFile('inf.csv', 'y,x,g\n1,2,a\nInf,3,a\n2,1,b\n3,2,b\n4,4,c\n');
    const out = join(tempDir(), 'conv');
    const commands = [['parse'], ['fit'], ['convert', '--out', out], ['verify'], ['explain']];
    const results = await Promise.all(commands.map(([cmd, ...rest]) => runCli([cmd, 'y ~ x + (1 | g)', '--data', f, ...rest])));
    results.forEach((r, i) => {
      assertBadInput(r, /the response 'y' is Inf on line 3 of .*inf\.csv/, /"NA\/NaN\/Inf in 'y'"/, /--> .*inf\.csv:3\n/, /hint: .*write NA there/);
      assert.doesNotMatch(r.stderr, /internal/, commands[i][0]);
    });
    assert.ok(!existsSync(out), 'convert wrote nothing');
  });
  it('a transformation that gives -Inf (log of 0): the caret under it, and the values that gave it', async () => {
    const f = dataFile('zero.csv', 'y,x,g\n1,2,a\n2,0,a\n2,1,b\n3,2,b\n4,4,c\n5,3,c\n');
    for (const cmd of ['parse', 'fit']) {
      await expectBadInput(
        [cmd, 'y ~ log(x) + (1 | g)', '--data', f],
        /the fixed-effects variable 'log\(x\)' is -Inf on line 3 of .*zero\.csv \(where x = 0\)/,
        /NA\/NaN\/Inf in foreign function call \(arg 1\)/,
        /y ~ log\(x\) \+ \(1 \| g\)\n\s+\^{6}\n/,
        /hint: .*log\(x \+ 1\)/,
      );
    }
    // log of a negative number is NaN, which na.omit drops (R warns "NaNs produced").
    const neg = dataFile('neg.csv', 'y,x,g\n1,2,a\n2,-1,a\n2,1,b\n3,2,b\n4,4,c\n5,3,c\n6,2,a\n');
    const r = await runCli(['parse', 'y ~ log(x) + (1 | g)', '--data', neg, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).nobs, 6);
  });
  it('an empty --data path', async () => {
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', ''], /--data needs a file name/);
  });
  it('missing arguments: one message, and the command does not run', async () => {
    const r = await runCli(['parse', 'y ~ x + (1 | g)']);
    assertBadInput(r, /Missing required argument: data/);
  });
});
