/**
 * `lmer2jags sample DIR --engine jags` as a user runs it: it runs `jags run.cmd` in DIR,
 * shows progress on a terminal only, and prints a posterior summary of every monitored node
 * (a table, or one JSON object with --json). Bad inputs exit 2 with one message: JAGS not
 * installed (a PATH without it), a missing folder, a file instead of a folder, a folder
 * without run.cmd, and files JAGS rejects (its own message quoted, with the file and line).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { readCoda } from '../../src/jags/coda.js';
import { INTERRUPTED_EXIT, JAGS_MISSING } from '../../src/jags/jags-cli.js';
import { packageRoot } from '../../src/paths.js';
import { fixturePath } from '../helpers/fixtures.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { assertBadInput, expectBadInput } from '../helpers/bad-input.js';
import { needsJags } from '../jags/jags-run.js';

const bin = join(packageRoot, 'bin', 'lmer2jags');
const sleep = fixturePath('data/sleepstudy.csv');
const SUMMARY_KEYS = ['name', 'mean', 'sd', 'q2_5', 'q50', 'q97_5', 'rhat', 'essBulk', 'essTail', 'mcse'];

/** A converted sleepstudy folder (2 chains, short), made once. */
let converted = '';
before(async () => {
  converted = join(tempDir(), 'sleep');
  const r = await runCli(['convert', 'Reaction ~ Days + (Days | Subject)', '--data', sleep, '--out', converted, '--chains', '2', '--burnin', '200', '--iter', '300']);
  assert.equal(r.code, 0, r.stderr);
});

/** A copy of the converted folder. */
function copyOf(): string {
  const dir = join(tempDir(), 'edited');
  cpSync(converted, dir, { recursive: true });
  return dir;
}

/** A copy of the converted folder, with `edit` applied to one of its files. */
function edited(file: string, edit: (text: string) => string): string {
  const dir = copyOf();
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  const changed = edit(text);
  assert.notEqual(changed, text, `the edit changes ${file}`);
  writeFileSync(path, changed);
  return dir;
}


/** Processes whose working folder is `dir` (the JAGS that sample started there). */
function processesIn(dir: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readlinkSync(`/proc/${p}/cwd`) === dir) out.push(Number(p));
    } catch {
      // gone, or not ours to inspect
    }
  }
  return out;
}

async function waitUntil(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('sample --engine jags', { concurrency: true }, () => {
  it('prints a summary row per monitored node: mean, sd, quantiles, R-hat, ESS, MCSE', needsJags, async () => {
    const dir = copyOf();
    const r = await runCli(['sample', dir, '--engine', 'jags']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.deepEqual(lines[0].trim().split(/\s+/), ['node', 'mean', 'sd', '2.5%', '50%', '97.5%', 'R-hat', 'ess_bulk', 'ess_tail', 'mcse']);
    const coda = readCoda(join(dir, 'CODA'));
    assert.deepEqual(lines.slice(1).map((l) => l.trim().split(/\s+/)[0]), coda.names);
    // mu.a, mu.b, sigma.y, sigma.a, sigma.b, rho.Subject, a[1..18], b[1..18]
    assert.equal(coda.names.length, 6 + 36);
    assert.match(r.stderr, /JAGS: 2 chains of 300 draws in \d+\.\d s/);
    assert.doesNotMatch(r.stderr, /\r|\x1b\[K/, 'no progress display without a terminal');
  });

  it('--json prints one object with every node\'s summary, equal to the draws in the CODA files', needsJags, async () => {
    const dir = copyOf();
    const r = await runCli(['sample', dir, '--engine', 'jags', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j), ['dir', 'engine', 'seconds', 'chains', 'draws', 'nodes', 'warnings', 'engineWarnings']);
    assert.equal(j.engine, 'jags');
    assert.equal(j.chains, 2);
    assert.equal(j.draws, 300);
    const coda = readCoda(join(dir, 'CODA'));
    assert.deepEqual(j.nodes.map((n: { name: string }) => n.name), coda.names);
    for (const n of j.nodes) assert.deepEqual(Object.keys(n), SUMMARY_KEYS);
    const mu = j.nodes.find((n: { name: string }) => n.name === 'mu.a');
    const draws = coda.chains.flatMap((c) => Array.from(c.get('mu.a')?.values ?? []));
    assert.equal(draws.length, 600);
    const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
    assert.ok(Math.abs(mu.mean - mean) < 1e-9 * Math.abs(mean), `mean ${mu.mean} vs ${mean}`);
    const sorted = [...draws].sort((a, b) => a - b);
    assert.ok(mu.q2_5 >= sorted[0] && mu.q97_5 <= sorted[599] && mu.q2_5 < mu.q50 && mu.q50 < mu.q97_5);
    assert.ok(mu.rhat > 0.9 && mu.rhat < 1.2 && mu.essBulk > 10 && mu.essTail > 10 && mu.mcse > 0);
    // The correlation of a 2-coefficient term is one node; the names.json nodes are all there.
    const names = JSON.parse(readFileSync(join(dir, 'names.json'), 'utf8'));
    for (const node of [...Object.values(names.fixef) as string[], names.sigma, ...names.varcorr[0].sd, names.varcorr[0].corr[0][1]]) {
      assert.ok(j.nodes.some((n: { name: string }) => n.name === node), node);
    }
  });

  it('shows progress on a terminal (under script(1))', needsJags, async (t) => {
    const dir = copyOf();
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm', NO_COLOR: '1' };
    const r = spawnSync('script', ['-qec', `'${process.execPath}' '${bin}' sample '${dir}' --engine jags`, '/dev/null'], { env, encoding: 'utf8' });
    if (r.error) return t.skip('script(1) is not installed');
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /\r\x1b\[KJAGS: (reading|compiling|initializing|burn-in|sampling)/);
    assert.match(r.stdout, /JAGS: burn-in, 200 iterations/);
    assert.match(r.stdout, /JAGS: sampling, 300 iterations/);
    assert.match(r.stdout, /mu\.a\s+\d/);
  });

  it('JAGS not installed (a PATH without jags): exit 2 with what to install', async () => {
    const dir = copyOf();
    const r = await runCli(['sample', dir, '--engine', 'jags'], { env: { PATH: tempDir('no-jags-') } });
    assertBadInput(r);
    assert.equal(r.stderr.split('\n')[0], `error: ${JAGS_MISSING}`);
    assert.equal(JAGS_MISSING, 'JAGS is not installed: install the `jags` package (Debian/Ubuntu: apt-get install jags) or use the bundled engine');
  });

  it('a missing folder, a file, a folder without run.cmd, an empty name', async () => {
    const dir = tempDir();
    await expectBadInput(['sample', join(dir, 'nope'), '--engine', 'jags'], /the folder .*nope does not exist/, /lmer2jags convert/);
    writeFileSync(join(dir, 'afile'), 'x\n');
    await expectBadInput(['sample', join(dir, 'afile'), '--engine', 'jags'], /afile is a file, not a folder/, /holds run\.cmd/);
    await expectBadInput(['sample', dir, '--engine', 'jags'], /no run\.cmd in /, /lmer2jags convert/);
    await expectBadInput(['sample', '', '--engine', 'jags'], /no folder given to sample/);
    await expectBadInput(['sample', dir, '--engine', 'stan'], /Argument: engine, Given: "stan"/);
    await expectBadInput(['sample', '--engine', 'jags'], /Not enough non-option arguments|dir/);
  });

  it('a hand-edited model.jags JAGS rejects: JAGS\'s message quoted, with the file and line', needsJags, async () => {
    const unknown = edited('model.jags', (t) => t.replace('dmnorm(', 'dmnorn('));
    const stderr = await expectBadInput(['sample', unknown, '--engine', 'jags'],
      /JAGS stopped with an error while compiling the model \(exit code 1\):/, /\| Unknown distribution: dmnorn/, /--> .*edited\/model\.jags:\d+/, /\d+ \|\s+B\.raw\.Subject\[j, 1:2\] ~ dmnorn\(/);
    assert.match(stderr, /hint: the message quoted above is JAGS's own/);
    const syntax = edited('model.jags', (t) => t.replace(/y\.hat\[i\] <- /, 'y.hat[i] <- * '));
    await expectBadInput(['sample', syntax, '--engine', 'jags'], /\| syntax error on line \d+ near "\*"/, /model\.jags:\d+/, /y\.hat\[i\] <- \* /);
    // No CODA files of an earlier run pass for this one's.
    assert.deepEqual(readdirSync(syntax).filter((f) => f.startsWith('CODA')), []);
  });

  it('data, inits and run.cmd JAGS rejects, and a monitor of a node the model lacks', needsJags, async () => {
    await expectBadInput(['sample', edited('data.R', (t) => t.replace(/^n <- 180L$/m, 'n <- 180L 3')), '--engine', 'jags'],
      /while reading data\.R/, /\| syntax error/, /--> .*data\.R/);
    await expectBadInput(['sample', edited('data.R', (t) => t.replace(/^m <- 18L$/m, 'm <- 3L')), '--engine', 'jags'],
      /\| Index out of range/, /model\.jags:\d+/);
    await expectBadInput(['sample', edited('inits2.R', (t) => t.replace(/^sigma\.y <- .*$/m, 'sigma.y <- -3')), '--engine', 'jags'],
      /while initializing the model/, /\| Error in node sigma\.y/);
    const noInits = edited('run.cmd', (t) => t.replace('inits2.R', 'inits9.R'));
    await expectBadInput(['sample', noInits, '--engine', 'jags'], /while opening inits9\.R/, /--> .*inits9\.R/);
    await expectBadInput(['sample', edited('run.cmd', (t) => t.replace(/^update 200$/m, 'updat 200')), '--engine', 'jags'],
      /while reading the commands of run\.cmd/, /run\.cmd:\d+/, /\| updat 200/);
    await expectBadInput(['sample', edited('run.cmd', (t) => t.replace(/^monitor sigma\.y$/m, 'monitor sigma.yy')), '--engine', 'jags'],
      /JAGS could not monitor sigma\.yy/, /Variable sigma\.yy not found/, /run\.cmd:\d+/);
  });

  it('Ctrl-C stops JAGS: exit 130, no CODA files, no JAGS left running', needsJags, async () => {
    // To sample only (a kill) and to the whole process group (Ctrl-C on a terminal).
    for (const group of [false, true]) {
      const dir = edited('run.cmd', (t) => t.replace(/^update 300$/m, 'update 100000000'));
      const child = spawn(process.execPath, [bin, 'sample', dir, '--engine', 'jags'], {
        detached: group, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      await waitUntil('JAGS to start', () => processesIn(dir).length > 0, 20000);
      await new Promise((r) => setTimeout(r, 300));
      if (group) process.kill(-(child.pid as number), 'SIGINT');
      else child.kill('SIGINT');
      const code = await closed;
      assert.equal(code, INTERRUPTED_EXIT, stderr);
      assert.equal(stdout, '');
      assert.match(stderr, /^error: sampling was interrupted.*; no samples were kept\n/);
      assert.equal(stderr.match(/^error: /gm)?.length, 1);
      assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('CODA')), []);
      await waitUntil('JAGS to stop', () => processesIn(dir).length === 0, 5000);
    }
  });

  it('JAGS warnings of a run that succeeds are shown, one line each', needsJags, async () => {
    const r = await runCli(['sample', edited('inits1.R', (t) => `${t}zzz <- 3\n`), '--engine', 'jags']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: JAGS: WARNING: Unused variable\(s\) in initial value table: zzz$/m);
  });
});

