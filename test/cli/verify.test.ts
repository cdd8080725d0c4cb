/**
 * `lmer2jags verify` through the real command: the verdict catches the two mismatches the
 * seed post invites (its independent prior on strongly correlated group effects; its literal
 * priors on a response in the thousands) with the reason in words and exit 1, agrees (exit 0)
 * on the seed post's own data with --json, keeps its files with --out, and every bad input
 * exits 2 before anything long runs. Short runs (4 chains × 1000 draws): 35 s in all, measured
 * inside a full `npm test` on 2 busy cores.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { simulateGrouped, simulatedCsv } from '../../src/data/simulate.js';
import { packageRoot, seedDataDump } from '../../src/paths.js';
import { expectBadInput } from '../helpers/bad-input.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';

const SHORT = ['--chains', '4', '--burnin', '500', '--iter', '1000'];
const sleep = fixturePath('data/sleepstudy.csv');

function simulated(name: string, options: { groups: number; rho?: number; scale?: number; shift?: number }): string {
  const f = join(tempDir(), name);
  writeFileSync(f, simulatedCsv(simulateGrouped({ perGroup: 8, seed: 1, ...options })));
  return f;
}

describe('lmer2jags verify: the verdict', { concurrency: 2 }, () => {
  it("flags the seed post's independent prior on strongly correlated group effects, naming the correlation (exit 1)", async () => {
    const data = simulated('rho.csv', { groups: 200, rho: 0.9 });
    const r = await runCli(['verify', 'y ~ x + (x | grp)', '--data', data, '--cov', 'independent', ...SHORT]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /verdict: differ/);
    assert.match(r.stdout, /the model draws the \(Intercept\) and x effects of grp independently, but lmer estimates their correlation at 0\.8\d/);
    assert.match(r.stdout, /use a correlated prior \(--cov scaled-wishart\)/);
    assert.match(r.stdout, /corr\s+grp: \(Intercept\) ~ x\s+\(none\).*✗\s+corr-absent/);
  });
  it("flags the seed post's priors on a response in the thousands, naming the prior (exit 1)", async () => {
    const data = simulated('big.csv', { groups: 100, scale: 500, shift: 3000 });
    const r = await runCli(['verify', 'y ~ x + (x | grp)', '--data', data, '--priors', 'seed', '--json', ...SHORT]);
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { verdict: string; reasons: string[]; rows: { ok: boolean; reason?: string }[] };
    assert.equal(out.verdict, 'differ');
    assert.match(out.reasons[0], /the prior dnorm\(0, 0\.0001\) on mu\.a \(SD 100\) is tight for lmer's estimate 3\d\d\d/);
    assert.ok(out.reasons.some((x) => /the prior dunif\(0, 100\) on sigma\.y cannot reach lmer's estimate/.test(x)), out.reasons.join('\n'));
    assert.ok(out.reasons.some((x) => /--priors auto/.test(x)));
  });
  it('the same data with the default priors agree (exit 0)', async () => {
    const data = simulated('big2.csv', { groups: 100, scale: 500, shift: 3000 });
    const r = await runCli(['verify', 'y ~ x + (x | grp)', '--data', data, ...SHORT]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /verdict: agree/);
  });
  it('agrees on the seed data with --json: one object with every row, its rule and the verdict', async () => {
    const r = await runCli(['verify', 'y ~ x + (x | grp)', '--data', seedDataDump, '--json', ...SHORT]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { verdict: string; rows: { quantity: string; ruleId: string; rule: string; ok: boolean }[]; convergence: { ok: boolean }; options: { chains: number } };
    assert.equal(out.verdict, 'agree');
    assert.equal(out.convergence.ok, true);
    assert.equal(out.options.chains, 4);
    assert.deepEqual([...new Set(out.rows.map((x) => x.quantity))].sort(), ['corr', 'fixef', 'ranef', 'ranef-sd', 'sd', 'se', 'sigma']);
    assert.ok(out.rows.every((x) => x.ok && x.ruleId && x.rule));
  });
  it('keeps the JAGS files and the draws with --out, and refuses to overwrite them without --force', async () => {
    const dir = join(tempDir(), 'kept');
    const args = ['verify', 'Reaction ~ Days + (1 | Subject)', '--data', sleep, '--out', dir, '--chains', '2', '--burnin', '200', '--iter', '500'];
    const r = await runCli(args);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const f of ['model.jags', 'data.R', 'run.cmd', 'names.json', 'CODAindex.txt', 'CODAchain1.txt', 'CODAchain2.txt']) assert.ok(existsSync(join(dir, f)), f);
    assert.match(r.stderr, /the JAGS files and the draws are in/);
    await expectBadInput(args, /already holds a conversion.*nothing was run/, /--force/);
    const again = await runCli([...args, '--force']);
    assert.equal(again.code, 0, again.stderr);
  });
  it('samples with the real JAGS too (--engine jags)', async (t) => {
    if (!existsSync('/usr/bin/jags')) return t.skip('JAGS is not installed');
    const r = await runCli(['verify', 'Yield ~ 1 + (1 | Batch)', '--data', fixturePath('data/Dyestuff.csv'), '--engine', 'jags', '--chains', '4', '--burnin', '1000', '--iter', '2000']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /JAGS, 4 chains × 2000 draws/);
  });
});

describe('lmer2jags verify: bad input exits 2 before anything runs', { concurrency: true }, () => {
  const f = 'Reaction ~ Days + (Days | Subject)';
  it('a missing or empty --data, a missing file, a bad formula, a model lmer cannot fit', async () => {
    await expectBadInput(['verify', f], /Missing required argument: data/);
    await expectBadInput(['verify', f, '--data', ''], /--data needs a file name/);
    await expectBadInput(['verify', f, '--data', join(tempDir(), 'nope.csv')], /nope\.csv/);
    await expectBadInput(['verify', 'Reaction ~ Days + (Days | Subject', '--data', sleep], /parenthesis is not closed/);
    await expectBadInput(['verify', 'Reaction ~ Days', '--data', sleep], /No random effects terms/);
    await expectBadInput(['verify', 'Reaction ~ Dayz + (1 | Subject)', '--data', sleep], /Dayz/);
  });
  it('nonsense options: engine, method, tolerance, threads, run lengths, priors', async () => {
    await expectBadInput(['verify', f, '--data', sleep, '--engine', 'stan'], /Invalid values/, /engine/);
    await expectBadInput(['verify', f, '--data', sleep, '--method', 'GLS'], /Invalid values/, /method/);
    for (const t of ['0', '-1', 'abc']) await expectBadInput(['verify', f, '--data', sleep, '--tolerance', t], /--tolerance must be a positive number/);
    await expectBadInput(['verify', f, '--data', sleep, '--threads', '0'], /--threads must be a whole number of at least 1/);
    await expectBadInput(['verify', f, '--data', sleep, '--chains', '0'], /--chains must be a whole number from 1 to 1000/);
    await expectBadInput(['verify', f, '--data', sleep, '--iter', '2.5'], /--iter must be a whole number/);
    await expectBadInput(['verify', f, '--data', sleep, '--priors', 'flat'], /Invalid values/, /priors/);
  });
  it('a --report that is a folder, or in a folder that does not exist, is refused before the fit', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    const started = Date.now();
    await expectBadInput(['verify', f, '--data', sleep, '--report', join(dir, 'sub')], /--report .*sub is a folder, not a file; nothing was run/);
    await expectBadInput(['verify', f, '--data', sleep, '--report', join(dir, 'missing', 'r.html')], /the folder .*missing does not exist; nothing was run/);
    await expectBadInput(['verify', f, '--data', sleep, '--report', ''], /--report needs a file name/);
    assert.ok(Date.now() - started < 20000, 'refused quickly');
    assert.deepEqual(readdirSync(dir), ['sub'], 'nothing written');
  });
  it('--out that is a file', async () => {
    const file = join(tempDir(), 'plain.txt');
    writeFileSync(file, 'x');
    await expectBadInput(['verify', f, '--data', sleep, '--out', file], /is a file, not a folder/);
  });
});

describe('lmer2jags demo: bad input exits 2 before anything runs', { concurrency: true }, () => {
  it('a --report that is a folder or in a missing folder, an unknown engine', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    await expectBadInput(['demo', '--report', join(dir, 'sub')], /--report .*sub is a folder, not a file; nothing was run/);
    await expectBadInput(['demo', '--report', join(dir, 'missing', 'demo.html')], /does not exist; nothing was run/);
    await expectBadInput(['demo', '--engine', 'stan'], /Invalid values/, /engine/);
    assert.deepEqual(readdirSync(dir), ['sub'], 'nothing written');
  });
});

describe('lmer2jags verify: progress', () => {
  it('shows its stages on a terminal (run under script(1)), and nothing of them through a pipe', async (t) => {
    const args = ['verify', 'Reaction ~ Days + (1 | Subject)', '--data', sleep, '--chains', '2', '--burnin', '200', '--iter', '300'];
    const line = [process.execPath, join(packageRoot, 'bin', 'lmer2jags'), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const tty = spawnSync('script', ['-qec', line, '/dev/null'], { encoding: 'utf8', cwd: packageRoot, env: { ...process.env, NO_COLOR: '1' } });
    if (tty.error) return t.skip('script(1) is not available');
    assert.equal(tty.status, 0, tty.stdout);
    for (const stage of [/verify: fitting lmer/, /verify: converting to JAGS/, /verify: sampling \(bundled engine\)/, /verify: comparing lmer with the posterior/]) assert.match(tty.stdout, stage);
    const piped = await runCli(args);
    assert.equal(piped.code, 0, piped.stderr);
    assert.doesNotMatch(piped.stderr, /\r|verify: sampling/);
  });
});
