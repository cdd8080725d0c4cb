import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { fixturePath } from '../helpers/fixtures.js';
import { runCli, tempDir } from '../helpers/cli.js';

describe('lmer2jags (the command)', () => {
  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    assert.equal(r.code, 0);
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
    assert.equal(r.stdout.trim(), pkg.version);
  });
  it('--help lists the commands and the exit codes', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    for (const c of ['parse', 'simulate', 'demo']) assert.match(r.stdout, new RegExp(`lmer2jags ${c}`));
    assert.match(r.stdout, /Exit codes:/);
  });
  for (const c of ['parse', 'simulate', 'demo']) {
    it(`${c} --help describes the command`, async () => {
      const r = await runCli([c, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`lmer2jags ${c}`));
      assert.match(r.stdout, /--json/);
    });
  }
  it('no command is an error with exit code 2', async () => {
    const r = await runCli([]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /name a command/);
  });
  it('an unknown command is an error with exit code 2', async () => {
    const r = await runCli(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error: /);
  });
});

describe('lmer2jags simulate', () => {
  it('--seed 1 writes exactly the seed post data (R set.seed(1))', async () => {
    const dir = tempDir();
    const out = join(dir, 'data.csv');
    const r = await runCli(['simulate', '--groups', '100', '--per-group', '8', '--seed', '1', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /wrote .*data\.csv: 800 rows/);
    const ours = readFileSync(out, 'utf8').trim().split('\n');
    const theirs = readFileSync(fixturePath('seed/data.csv'), 'utf8').trim().split('\n');
    assert.equal(ours.length, 801);
    assert.equal(theirs.length, 801);
    const header = theirs[0].replace(/"/g, '').split(',');
    const col = (name: string) => header.indexOf(name);
    for (let i = 1; i < 801; i++) {
      const a = ours[i].split(',').map(Number);
      const b = theirs[i].split(',').map(Number);
      assert.ok(Math.abs(a[0] - b[col('y')]) < 1e-12, `y at row ${i}`);
      assert.ok(Math.abs(a[1] - b[col('x')]) < 1e-12, `x at row ${i}`);
      assert.equal(a[2], b[col('grp')], `grp at row ${i}`);
    }
  });
  it('refuses nonsense sizes with exit code 2', async () => {
    const r = await runCli(['simulate', '--groups', '1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--groups must be a whole number of at least 2/);
  });
});

describe('lmer2jags demo', () => {
  it("shows the seed post's model on its data", async () => {
    const r = await runCli(['demo', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      response: 'y',
      nobs: 800,
      fixef: ['(Intercept)', 'x'],
      random: [{ group: 'grp', terms: ['(Intercept)', 'x'], levels: 100, correlated: true }],
      dropped: { rows: 0, columns: [] },
    });
  });
});
