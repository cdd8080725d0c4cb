import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixturePath } from '../helpers/fixtures.js';
import { runCli, tempDir } from '../helpers/cli.js';

const sleep = fixturePath('data/sleepstudy.csv');

/** Every bad input exits 2 with one clear message on stderr, nothing on stdout, no stack trace. */
async function expectBadInput(args: string[], ...patterns: RegExp[]): Promise<string> {
  const r = await runCli(args);
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '', 'nothing on stdout');
  assert.doesNotMatch(r.stderr, /\n\s+at .+\(.*:\d+:\d+\)/, 'no stack trace');
  assert.match(r.stderr, /^error: /);
  for (const p of patterns) assert.match(r.stderr, p);
  return r.stderr;
}

describe('lmer2jags parse', () => {
  it('prints exactly the JSON contract with --json', async () => {
    const r = await runCli(['parse', 'Reaction ~ Days + (Days | Subject)', '--data', sleep, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      response: 'Reaction',
      nobs: 180,
      fixef: ['(Intercept)', 'Days'],
      random: [{ group: 'Subject', terms: ['(Intercept)', 'Days'], levels: 18, correlated: true }],
      dropped: { rows: 0, columns: [] },
    });
  });
  it('uses lme4 grouping names for nested and interaction terms', async () => {
    const pastes = await runCli(['parse', 'strength ~ 1 + (1 | batch/cask)', '--data', fixturePath('data/Pastes.csv'), '--json']);
    assert.equal(pastes.code, 0, pastes.stderr);
    assert.deepEqual(JSON.parse(pastes.stdout).random.map((t: { group: string }) => t.group), ['cask:batch', 'batch']);
  });
  it('shows a readable description without --json', async () => {
    const r = await runCli(['parse', 'Reaction ~ Days + (Days || Subject)', '--data', sleep]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /response\s+Reaction/);
    assert.match(r.stdout, /rows\s+180 used, 0 dropped/);
    assert.match(r.stdout, /Subject\s+18\s+\(Intercept\)\s+no \(\|\|\)/);
    assert.match(r.stdout, /Subject\s+18\s+Days\s+no \(\|\|\)/);
  });
  it('reports rows dropped for missing values', async () => {
    const dir = tempDir();
    const f = join(dir, 'na.csv');
    writeFileSync(f, 'y,x,g\n1,2,a\n2,NA,a\n3,4,b\n4,,b\n5,6,a\n6,7,b\n');
    const r = await runCli(['parse', 'y ~ x + (1 | g)', '--data', f, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).dropped, { rows: 2, columns: [] });
    assert.equal(JSON.parse(r.stdout).nobs, 4);
    assert.match(r.stderr, /2 of 6 rows dropped for missing values/);
  });
});

describe('lmer2jags parse: bad input exits 2 with a clear message', () => {
  it('a syntax error shows a caret under the spot', async () => {
    const err = await expectBadInput(['parse', 'y ~ x + (x | grp', '--data', sleep], /unclosed parenthesis opened at column 9/);
    assert.match(err, /\n {2}y ~ x \+ \(x \| grp\n {18}\^/);
  });
  it('an unknown variable lists the near names', async () => {
    await expectBadInput(['parse', 'Reaction ~ Dayz + (1 | Subject)', '--data', sleep], /unknown variable 'Dayz'/, /Days/);
  });
  it('an unknown function names itself', async () => {
    await expectBadInput(['parse', 'Reaction ~ foo(Days) + (1 | Subject)', '--data', sleep], /foo/);
  });
  it('no random term: lme4 message', async () => {
    await expectBadInput(['parse', 'Reaction ~ Days', '--data', sleep], /No random effects terms specified in formula/);
  });
  it('a grouping factor with one level: lme4 message', async () => {
    const dir = tempDir();
    const f = join(dir, 'one.csv');
    writeFileSync(f, 'y,x,g\n1,2,a\n2,3,a\n3,4,a\n');
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', f], /grouping factors must have > 1 sampled level/);
  });
  it('a missing file', async () => {
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', '/nonexistent/data.csv'], /\/nonexistent\/data\.csv/);
  });
  it('an unreadable file', async (t) => {
    if (process.getuid?.() === 0) {
      // root reads everything: use a folder instead, which is unreadable as a data file
      await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', tempDir()], /error: /);
      return t.diagnostic('running as root: checked a folder given as the data file');
    }
    const dir = tempDir();
    const f = join(dir, 'secret.csv');
    writeFileSync(f, 'y,x,g\n1,2,a\n');
    chmodSync(f, 0o000);
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', f], /secret\.csv/);
  });
  it('a ragged CSV row names its line', async () => {
    const dir = tempDir();
    const f = join(dir, 'ragged.csv');
    writeFileSync(f, 'y,x,g\n1,2,a\n2,3,b,extra\n3,4,a\n');
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', f], /line 3/);
  });
  it('a non-numeric response names the column and the first bad line', async () => {
    const dir = tempDir();
    const f = join(dir, 'text.csv');
    writeFileSync(f, 'y,x,g\n1,2,a\n2,3,b\nthree,4,a\n4,5,b\n');
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', f], /the response y is not numeric/, /line 4 has "three"/);
  });
  it('no rows left after removing missing values', async () => {
    const dir = tempDir();
    const f = join(dir, 'allna.csv');
    writeFileSync(f, 'y,x,g\n1,NA,a\n2,NA,b\n3,NA,a\n');
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', f], /no rows left/);
  });
  it('an unknown option', async () => {
    await expectBadInput(['parse', 'y ~ x + (1 | g)', '--data', sleep, '--frobnicate'], /frobnicate/);
  });
});
