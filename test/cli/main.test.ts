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
    for (const c of ['parse', 'simulate', 'demo', 'verify', 'explain']) assert.match(r.stdout, new RegExp(`lmer2jags ${c}`));
    assert.match(r.stdout, /Exit codes:/);
  });
  for (const c of ['parse', 'simulate', 'demo', 'verify', 'explain']) {
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
  it("runs the seed post end to end: the post's comparison, verify's table, and demo-report.html in the current folder", async () => {
    const cwd = tempDir();
    const started = Date.now();
    const r = await runCli(['demo'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /fixef\(lmer\.y\)\s+posterior mean\s+post's JAGS mean/);
    assert.match(r.stdout, /\(Intercept\)\s+0\.6555\s+0\.65\d*\s+0\.6579/);
    assert.match(r.stdout, /verdict: agree/);
    assert.match(r.stderr, new RegExp(`wrote the report ${join(cwd, 'demo-report.html').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(readFileSync(join(cwd, 'demo-report.html'), 'utf8'), /lmer and the posterior agree/);
    assert.ok(Date.now() - started < 60000, 'well under a minute even on a busy machine');
  });
  it('--json: one object with the verdict and the report path', async () => {
    const cwd = tempDir();
    const r = await runCli(['demo', '--json', '--report', 'seed.html'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { nobs: number; verdict: string; report: string };
    assert.equal(out.nobs, 800);
    assert.equal(out.verdict, 'agree');
    assert.equal(out.report, join(cwd, 'seed.html'));
  });
});
