/**
 * `lmer2jags convert` as a user runs it: the files it writes and what it prints (a table, or
 * one JSON object with --json), and every bad input it refuses: exit 2, one message on
 * stderr with a hint, nothing on stdout, no stack trace, and nothing written or changed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixturePath } from '../helpers/fixtures.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { assertBadInput, expectBadInput, runCliWithFileLimit } from '../helpers/bad-input.js';

const sleep = fixturePath('data/sleepstudy.csv');
const SLEEP = 'Reaction ~ Days + (Days | Subject)';
const FILES = ['data.R', 'inits1.R', 'inits2.R', 'inits3.R', 'inits4.R', 'model.jags', 'names.json', 'run.cmd'];
const PAST = new Date('2020-01-02T03:04:05Z');

function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir).sort()) out.set(f, `${statSync(join(dir, f)).mtimeMs} ${readFileSync(join(dir, f), 'latin1')}`);
  return out;
}

describe('convert', { concurrency: true }, () => {
  it('writes model.jags, data.R, inits1..4.R, run.cmd and names.json, and lists them', async () => {
    const out = join(tempDir(), 'sleep');
    const r = await runCli(['convert', SLEEP, '--data', sleep, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(out).sort(), FILES);
    for (const f of FILES) assert.match(r.stdout, new RegExp(`${join(out, f).replace(/[.]/g, '\\.')}\\s+\\S`));
    assert.match(r.stderr, /wrote 8 files to .*; next: lmer2jags sample .* --engine jags/);
    const names = JSON.parse(readFileSync(join(out, 'names.json'), 'utf8'));
    assert.deepEqual(names.fixef, { '(Intercept)': 'mu.a', Days: 'mu.b' });
  });

  it('integer group ids keep R\'s integer labels in names.json and fit --json: 100000, not 1e+05', async () => {
    // lme4's levels and fixef names (fixtures/parse/ids-factor-integer.json, ids-group-integer.json):
    // read.csv reads the ids as integers, whose factor levels print in full.
    const ref = (id: string) => JSON.parse(readFileSync(fixturePath(`parse/${id}.json`), 'utf8'));
    const ids = fixturePath('data/sim_ids.csv');
    const out = join(tempDir(), 'ids');
    const r = await runCli(['convert', 'y ~ factor(id) + (1 | lab)', '--data', ids, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const names = JSON.parse(readFileSync(join(out, 'names.json'), 'utf8'));
    const fx = ref('ids-factor-integer');
    assert.deepEqual(Object.keys(names.fixef), fx.fixef);
    assert.deepEqual(names.ranef.lab.levels, fx.random[0].levels);
    assert.ok(names.ranef.lab.levels.includes('100000'));
    const fit = await runCli(['fit', 'y ~ x + (1 | id)', '--data', ids, '--json']);
    assert.equal(fit.code, 0, fit.stderr);
    const gx = ref('ids-group-integer');
    assert.deepEqual(JSON.parse(fit.stdout).ranef.id.levels, gx.random[0].levels);
    assert.equal(gx.random[0].levels[0], '100000');
  });

  it('--json prints one object: the files, names.json, the monitors and the options used', async () => {
    const out = join(tempDir(), 'sleep');
    const r = await runCli(['convert', SLEEP, '--data', sleep, '--out', out, '--json', '--chains', '2', '--param', 'offsets', '--cov', 'lkj', '--seed', '7']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j), ['out', 'files', 'names', 'monitors', 'options']);
    assert.deepEqual(j.files.map((f: string) => f.slice(out.length + 1)).sort(), ['data.R', 'inits1.R', 'inits2.R', 'model.jags', 'names.json', 'run.cmd']);
    assert.deepEqual(j.names, JSON.parse(readFileSync(join(out, 'names.json'), 'utf8')));
    assert.deepEqual(j.options, { param: 'offsets', cov: 'lkj', priors: 'auto', eta: 1, chains: 2, burnin: 1000, iter: 5000, thin: 1, seed: 7 });
    assert.match(readFileSync(join(out, 'run.cmd'), 'utf8'), /^load glm$/m);
  });

  it('refuses a folder that holds a conversion without --force: exit 2, bytes, mtimes and listing unchanged', async () => {
    const out = join(tempDir(), 'sleep');
    assert.equal((await runCli(['convert', SLEEP, '--data', sleep, '--out', out, '--chains', '2'])).code, 0);
    writeFileSync(join(out, 'notes.txt'), 'mine\n');
    for (const f of readdirSync(out)) utimesSync(join(out, f), PAST, PAST);
    const before = snapshot(out);
    const r = await runCli(['convert', SLEEP, '--data', sleep, '--out', out, '--chains', '4', '--seed', '2']);
    assertBadInput(r, /already holds a conversion \(data\.R, inits1\.R, inits2\.R, model\.jags, names\.json, run\.cmd\); nothing was written/, /--force/);
    assert.deepEqual(snapshot(out), before);
    const forced = await runCli(['convert', SLEEP, '--data', sleep, '--out', out, '--chains', '4', '--seed', '2', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(readdirSync(out).sort(), [...FILES, 'notes.txt'].sort());
    assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine\n');
  });

  it('the file-size limit hit in the middle of writing (--force): the old files stay, no temporary file is left', async () => {
    const out = join(tempDir(), 'seed');
    const seed = ['convert', 'y ~ x + (x | grp)', '--data', fixturePath('seed/datadump.R'), '--out', out, '--chains', '1'];
    assert.equal((await runCli(seed)).code, 0);
    const before = snapshot(out);
    // data.R of the seed data is about 37 kB; model.jags and the rest are small.
    assert.ok(statSync(join(out, 'data.R')).size > 24 * 1024);
    const r = runCliWithFileLimit(24, [...seed, '--force', '--seed', '5']);
    assertBadInput(r, /cannot write .*data\.R: the file is larger than this system allows .*; the folder keeps the files it had/);
    assert.deepEqual(snapshot(out), before);
  });

  it('bad option values, each refused with one message before anything is written', async () => {
    const dir = tempDir();
    const out = join(dir, 'new');
    const base = ['convert', SLEEP, '--data', sleep, '--out', out];
    const cases: [string[], RegExp][] = [
      [['--cov', 'lkj2'], /Invalid values:[\s\S]*Argument: cov, Given: "lkj2", Choices: "scaled-wishart", "wishart", "independent", "uniform-rho", "lkj"/],
      [['--param', 'centred'], /Argument: param, Given: "centred"/],
      [['--priors', 'flat'], /Argument: priors, Given: "flat"/],
      [['--chains', '0'], /--chains must be a whole number from 1 to 1000, got 0/],
      [['--chains', 'abc'], /--chains must be a whole number from 1 to 1000, got something that is not a number/],
      [['--iter', '-5'], /--iter must be a whole number from 1 to 2147483647, got -5/],
      [['--iter', '3000000000'], /--iter must be a whole number from 1 to 2147483647, got 3000000000/],
      [['--burnin', '-1'], /--burnin must be a whole number from 0/],
      [['--burnin', '2147483000', '--iter', '1000'], /more iterations than JAGS can count/],
      [['--thin', '1.5'], /--thin must be a whole number from 1 .*got 1\.5/],
      [['--thin', '0'], /--thin must be a whole number from 1/],
      [['--iter', '10', '--thin', '20'], /--thin 20 is larger than --iter 10/],
      [['--seed', '1.5'], /--seed must be a whole number, got 1\.5/],
      [['--eta', '0'], /--eta must be a positive number, got 0/],
      [['--eta', '-2'], /--eta must be a positive number/],
    ];
    for (const [extra, message] of cases) {
      await expectBadInput([...base, ...extra], message);
      assert.deepEqual(readdirSync(dir), [], `${extra.join(' ')}: nothing written`);
    }
  });

  it('--cov uniform-rho on a three-coefficient term points at the term', async () => {
    const out = join(tempDir(), 'three');
    const stderr = await expectBadInput(['convert', 'y ~ x1 + x2 + (1 + x1 + x2 | subj)', '--data', fixturePath('data/sim_groups.csv'), '--out', out, '--cov', 'uniform-rho'],
      /--cov uniform-rho handles terms with two coefficients, but \(1 \+ x1 \+ x2 \| subj\) has 3/, /\^{18}/, /use --cov scaled-wishart, wishart or lkj/);
    assert.match(stderr, /y ~ x1 \+ x2 \+ \(1 \+ x1 \+ x2 \| subj\)/);
  });

  it('--out that is a file, inside a file or empty, and a missing --out or --data', async () => {
    const dir = tempDir();
    const file = join(dir, 'afile');
    writeFileSync(file, 'x\n');
    await expectBadInput(['convert', SLEEP, '--data', sleep, '--out', file], /the output path .*afile is a file, not a folder/, /give --out a folder/);
    await expectBadInput(['convert', SLEEP, '--data', sleep, '--out', join(file, 'sub')], /afile\/sub/, /a part of the path is a file, not a folder/);
    await expectBadInput(['convert', SLEEP, '--data', sleep, '--out', ''], /--out needs a folder name/);
    await expectBadInput(['convert', SLEEP, '--data', sleep], /Missing required argument: out/);
    await expectBadInput(['convert', SLEEP, '--out', join(dir, 'x')], /Missing required argument: data/);
    assert.deepEqual(readdirSync(dir), ['afile']);
    assert.equal(readFileSync(file, 'utf8'), 'x\n');
  });
});
