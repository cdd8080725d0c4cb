/**
 * `lmer2jags sample DIR` with the bundled engine (src/bugs/run.ts) as a whole:
 *
 * - determinism: --threads 1, --threads 4 and the default give byte-identical CODA files for
 *   the same --seed; the same seed twice gives the same files; another seed other draws. The
 *   model exercises every kind of sampler (Gaussian block, truncated gamma, interweaving,
 *   slice, enumeration, conjugate Wishart).
 * - CODA layout: the same names, line ranges and iteration numbers as JAGS 4.3.1 writes for
 *   the same run.cmd (the committed JAGS output in test/fixtures-jags, and a live JAGS run
 *   with adapt, thin, a late monitor, a stem and a second coda command); values in JAGS's
 *   number format.
 * - Ctrl-C: SIGINT during sampling stops with exit code 130 and one short message, leaves no
 *   CODA or temporary file in a fresh folder and the files of an earlier run unchanged.
 * - CODA files are written whole or not at all (a target that is a folder, a file-size limit),
 *   and chain files of an earlier run with more chains are removed.
 * - no progress output when stderr is not a terminal (with and without --quiet); --json
 *   prints one object with the same summary fields as the JAGS engine.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { formatCodaNumber } from '../../src/jags/coda.js';
import { packageRoot } from '../../src/paths.js';
import { assertBadInput, runCliWithFileLimit } from '../helpers/bad-input.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { FIXTURES, HAVE_JAGS, needsJags } from '../jags/jags-run.js';

const root = tempDir('lmer2jags-bugs-run-');
after(() => rmSync(root, { recursive: true, force: true }));
let count = 0;

function folder(files: Record<string, string>): string {
  const dir = join(root, `run${++count}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A model with every kind of sampler, 4 chains. */
const KITCHEN = {
  'model.jags': `model {
  for (i in 1:N) {
    y[i] ~ dnorm(a[g[i]] + b * x[i], tau.y)
  }
  for (j in 1:J) { a[j] ~ dnorm(mu, tau.a) }
  mu ~ dnorm(0, 0.01)
  b ~ dnorm(0, 0.01)
  tau.y <- pow(sigma.y, -2)
  sigma.y ~ dunif(0, 10)
  tau.a <- pow(sigma.a, -2)
  sigma.a ~ dunif(0, 10)
  for (k in 1:3) { cnt[k] ~ dpois(lambda) }
  lambda ~ dgamma(1, 0.1)
  w ~ dnorm(m[z], 1)
  for (c in 1:3) { m[c] <- c - 2 }
  z ~ dcat(p[1:3])
  for (r in 1:3) { v[r, 1:2] ~ dmnorm(zero[1:2], W[1:2, 1:2]) }
  W[1:2, 1:2] ~ dwish(R[1:2, 1:2], 3)
}
`.replace('w ~ dnorm(m[z], 1)', 'w ~ dnorm(inprod(m[1:3], ind[1:3]), 1)\n  for (c in 1:3) { ind[c] <- equals(z, c) }'),
  'data.R': `N <- 8L
J <- 3L
g <- c(1L, 1L, 2L, 2L, 2L, 3L, 3L, 3L)
x <- c(0.1, 0.5, 0.9, 0.2, 0.4, 1.1, -0.3, 0.7)
y <- c(1.2, 1.9, 2.5, 0.3, 0.8, 1.7, -0.2, 1.4)
cnt <- c(3L, 5L, 2L)
w <- 0.4
p <- c(0.2, 0.5, 0.3)
zero <- c(0, 0)
R <- structure(c(1, 0, 0, 1), .Dim = c(2L, 2L))
v <- structure(c(0.5, -1, 0.3, 1.2, 0.1, -0.4), .Dim = c(3L, 2L))
`,
  'run.cmd': `model in "model.jags"
data in "data.R"
compile, nchains(4)
initialize
update 200
monitor mu
monitor a
monitor sigma.y
monitor sigma.a, thin(3)
monitor lambda
monitor z
monitor W
update 300
coda *
exit
`,
};

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const codaFiles = (dir: string, stem = 'CODA') =>
  readdirSync(dir, { withFileTypes: true })
    .filter((f) => f.isFile() && f.name.startsWith(stem) && f.name.endsWith('.txt'))
    .map((f) => f.name)
    .sort();
const digest = (dir: string) => Object.fromEntries(codaFiles(dir).map((f) => [f, sha(join(dir, f))]));

describe('determinism', () => {
  it('--threads 1, --threads 4 and the default give byte-identical CODA files; seeds matter', async () => {
    const runs: Record<string, string[]> = { t1: ['--threads', '1'], t4: ['--threads', '4'], dflt: [], again: [], other: [] };
    const digests: Record<string, Record<string, string>> = {};
    for (const [name, extra] of Object.entries(runs)) {
      const dir = folder(KITCHEN);
      const r = await runCli(['sample', dir, '--seed', name === 'other' ? '8' : '7', '--quiet', ...extra]);
      assert.equal(r.code, 0, r.stderr);
      digests[name] = digest(dir);
    }
    assert.deepEqual(Object.keys(digests.t1), ['CODAchain1.txt', 'CODAchain2.txt', 'CODAchain3.txt', 'CODAchain4.txt', 'CODAindex.txt']);
    assert.deepEqual(digests.t4, digests.t1, '--threads 4 = --threads 1');
    assert.deepEqual(digests.dflt, digests.t1, 'default threads = --threads 1');
    assert.deepEqual(digests.again, digests.dflt, 'the same seed twice');
    for (const f of ['CODAchain1.txt', 'CODAchain2.txt', 'CODAchain3.txt', 'CODAchain4.txt']) {
      assert.notEqual(digests.other[f], digests.t1[f], `another seed changes ${f}`);
    }
    assert.equal(digests.other['CODAindex.txt'], digests.t1['CODAindex.txt'], 'the layout does not depend on the seed');
    // The chains differ from each other (each has its own stream).
    assert.notEqual(digests.t1['CODAchain1.txt'], digests.t1['CODAchain2.txt']);
  });

  it('without --seed, the seeds of the inits files make the run reproducible', async () => {
    const inits = (seed: number) => `".RNG.name" <- "base::Mersenne-Twister"\n".RNG.seed" <- ${seed}\n`;
    const files = {
      ...KITCHEN,
      'inits1.R': inits(11),
      'inits2.R': inits(12),
      'run.cmd': KITCHEN['run.cmd'].replace('compile, nchains(4)', 'compile, nchains(2)\nparameters in "inits1.R", chain(1)\nparameters in "inits2.R", chain(2)'),
    };
    const a = folder(files);
    const b = folder(files);
    assert.equal((await runCli(['sample', a, '-q', '--threads', '1'])).code, 0);
    assert.equal((await runCli(['sample', b, '-q', '--threads', '2'])).code, 0);
    assert.deepEqual(digest(a), digest(b));
  });
});

/** Index and iteration columns of a CODA output (what must match JAGS). */
function layout(dir: string, stem: string, nchains: number): { index: string; iterations: string[] } {
  const iterations: string[] = [];
  for (let k = 1; k <= nchains; k++) {
    const lines = readFileSync(join(dir, `${stem}chain${k}.txt`), 'utf8').split('\n');
    iterations.push(lines.map((l) => l.split('  ')[0]).join(','));
    for (const l of lines) {
      if (l === '') continue;
      const m = /^(\d+) {2}(\S+)$/.exec(l);
      assert.ok(m, `a CODA line reads "iteration  value": ${JSON.stringify(l)}`);
      assert.equal(formatCodaNumber(Number(m[2])), m[2], `value in JAGS's %g format: ${m[2]}`);
    }
  }
  return { index: readFileSync(join(dir, `${stem}index.txt`), 'utf8'), iterations };
}

describe('CODA files in JAGS layout', () => {
  it('the run of test/fixtures-jags: same index, line ranges and iteration numbers as JAGS wrote', async () => {
    const dir = folder({});
    for (const f of ['model.jags', 'data.R', 'inits1.R', 'inits2.R']) copyFileSync(join(FIXTURES, f), join(dir, f));
    // `data to` (a data dump) is JAGS-only; it does not touch the CODA files.
    const cmd = readFileSync(join(FIXTURES, 'run.cmd'), 'utf8').replace(/^data to .*\n/m, '');
    writeFileSync(join(dir, 'run.cmd'), cmd);
    const r = await runCli(['sample', dir, '--seed', '3', '-q']);
    assert.equal(r.code, 0, r.stderr);
    const ours = layout(dir, 'CODA', 2);
    const jags = layout(FIXTURES, 'CODA', 2);
    assert.equal(ours.index, jags.index);
    assert.deepEqual(ours.iterations, jags.iterations);
  });

  it('adapt, thin, a late monitor, a stem and a second coda command, against a live JAGS run', needsJags, async () => {
    const files = {
      'model.jags': KITCHEN['model.jags'],
      'data.R': KITCHEN['data.R'],
      'inits1.R': '".RNG.name" <- "base::Mersenne-Twister"\n".RNG.seed" <- 3\n',
      'run.cmd': `model in "model.jags"
data in "data.R"
compile, nchains(2)
parameters in "inits1.R", chain(1)
initialize
adapt 50
monitor mu, thin(3)
monitor a
update 10
monitor W, thin(2)
adapt 20
update 7
coda *, stem(out)
coda a, stem(justa)
exit
`,
    };
    const jagsDir = folder(files);
    const ourDir = folder(files);
    const j = await new Promise<number>((resolve) => spawn('jags', ['run.cmd'], { cwd: jagsDir, stdio: 'ignore' }).on('close', (c) => resolve(c ?? -1)));
    assert.equal(j, 0, 'JAGS runs the script');
    const r = await runCli(['sample', ourDir, '--seed', '1', '-q']);
    assert.equal(r.code, 0, r.stderr);
    for (const stem of ['out', 'justa']) {
      const ours = layout(ourDir, stem, 2);
      const jags = layout(jagsDir, stem, 2);
      assert.equal(ours.index, jags.index, `${stem}index.txt`);
      assert.deepEqual(ours.iterations, jags.iterations, `${stem} iterations`);
    }
    assert.deepEqual(codaFiles(ourDir, 'out'), codaFiles(jagsDir, 'out'));
  });

  it('--json prints one object with the JAGS engine\'s summary fields', async () => {
    const dir = folder(KITCHEN);
    const r = await runCli(['sample', dir, '--seed', '2', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { engine: string; chains: number; draws: number; nodes: { name: string }[] };
    assert.equal(out.engine, 'bundled');
    assert.equal(out.chains, 4);
    assert.equal(out.draws, 300);
    const names = out.nodes.map((n) => n.name);
    assert.deepEqual(names, readFileSync(join(dir, 'CODAindex.txt'), 'utf8').trim().split('\n').map((l) => l.split(' ')[0]));
    assert.deepEqual(Object.keys(out.nodes[0]).sort(), ['essBulk', 'essTail', 'mcse', 'mean', 'name', 'q2_5', 'q50', 'q97_5', 'rhat', 'sd']);
    if (HAVE_JAGS) {
      const j = await runCli(['sample', dir, '--engine', 'jags', '--json']);
      assert.equal(j.code, 0, j.stderr);
      const jo = JSON.parse(j.stdout) as Record<string, unknown>;
      assert.deepEqual(Object.keys(jo).sort(), Object.keys(out).sort());
      assert.deepEqual((jo.nodes as { name: string }[]).map((n) => n.name), names);
    }
  });
});

describe('progress output', () => {
  it('nothing but the summary line on stderr when it is not a terminal, and nothing with --quiet', async () => {
    const dir = folder({ ...KITCHEN, 'run.cmd': KITCHEN['run.cmd'].replace('update 300', 'update 3000') });
    const r = await runCli(['sample', dir, '--seed', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /\r|\x1b\[|sampling \[/, 'no progress bar or terminal codes');
    assert.match(r.stderr, /^bundled engine: 4 chains of 3000 draws in [\d.]+ s$/m);
    const q = await runCli(['sample', dir, '--seed', '1', '--quiet']);
    assert.equal(q.code, 0);
    assert.doesNotMatch(q.stderr, /\r|sampling|bundled engine:/);
  });
});

/** Spawns `sample DIR`, waits for `ready` on stderr, sends SIGINT; resolves with the outcome. */
function interrupt(dir: string, ready: RegExp): Promise<{ code: number | null; signal: string | null; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(packageRoot, 'bin', 'lmer2jags'), 'sample', dir, '--seed', '1'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let sent = 0;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && ready.test(stderr)) {
        // The chains are sampling now (the warning comes from a worker after compiling).
        setTimeout(() => {
          sent = Date.now();
          child.kill('SIGINT');
        }, 300);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr, ms: Date.now() - sent }));
  });
}

describe('Ctrl-C during sampling', () => {
  // A run of many minutes; the unused data variable makes a warning that tells the test the
  // workers have compiled the model and are sampling.
  const long = {
    ...KITCHEN,
    'data.R': `${KITCHEN['data.R']}unused.flag <- 1\n`,
    'run.cmd': KITCHEN['run.cmd'].replace('update 300', 'update 100000000'),
  };

  it('stops with exit code 130 and one message, and leaves no CODA or temporary file', async () => {
    const dir = folder(long);
    const r = await interrupt(dir, /unused variable "unused.flag"/);
    assert.equal(r.signal, null, `exited by itself, not killed by the signal\n${r.stderr}`);
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stderr.match(/^error: /gm)?.length, 1, r.stderr);
    assert.match(r.stderr, /^error: interrupted: sampling stopped after \d+ of 400000800 chain iterations; no CODA files were written$/m);
    assert.match(r.stderr, /^hint: /m);
    assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace');
    assert.ok(r.ms < 5000, `stopped within 5 s (${r.ms} ms)`);
    assert.deepEqual(readdirSync(dir).sort(), ['data.R', 'model.jags', 'run.cmd']);
  });

  it('keeps the CODA files of an earlier run byte for byte', async () => {
    const dir = folder(KITCHEN);
    assert.equal((await runCli(['sample', dir, '--seed', '1', '-q'])).code, 0);
    const before = digest(dir);
    assert.equal(Object.keys(before).length, 5);
    for (const [name, text] of Object.entries(long)) writeFileSync(join(dir, name), text);
    const r = await interrupt(dir, /unused variable "unused.flag"/);
    assert.equal(r.code, 130, r.stderr);
    assert.deepEqual(digest(dir), before);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.')), [], 'no temporary files');
  });
});

describe('CODA files are written whole or not at all', () => {
  it('a chain file of an earlier run with more chains is removed', async () => {
    const dir = folder(KITCHEN);
    assert.equal((await runCli(['sample', dir, '--seed', '1', '-q'])).code, 0);
    writeFileSync(join(dir, 'run.cmd'), KITCHEN['run.cmd'].replace('nchains(4)', 'nchains(2)'));
    const r = await runCli(['sample', dir, '--seed', '1', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(codaFiles(dir), ['CODAchain1.txt', 'CODAchain2.txt', 'CODAindex.txt']);
    assert.equal((JSON.parse(r.stdout) as { chains: number }).chains, 2);
  });

  it('a target that is a folder: exit 2, and the earlier files are unchanged', async () => {
    const dir = folder(KITCHEN);
    assert.equal((await runCli(['sample', dir, '--seed', '1', '-q'])).code, 0);
    rmSync(join(dir, 'CODAchain3.txt'));
    mkdirSync(join(dir, 'CODAchain3.txt'));
    const before = digest(dir);
    const r = await runCli(['sample', dir, '--seed', '2']);
    assertBadInput(r, /cannot write the CODA file .*CODAchain3\.txt: .*is a folder; no CODA file was changed/);
    assert.deepEqual(digest(dir), before);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });

  it('the file-size limit hit while writing: exit 2, no partial or temporary file, old files unchanged', () => {
    const dir = folder({ ...KITCHEN, 'run.cmd': KITCHEN['run.cmd'].replace('update 300', 'update 3000') });
    writeFileSync(join(dir, 'CODAindex.txt'), 'old index\n');
    // 40 KiB: the model and data are read, the chain files (about 150 KiB each) cannot be written.
    const r = runCliWithFileLimit(40, ['sample', dir, '--seed', '1']);
    assertBadInput(r, /cannot write the CODA file/, /no CODA file was changed/);
    assert.equal(readFileSync(join(dir, 'CODAindex.txt'), 'utf8'), 'old index\n');
    assert.deepEqual(codaFiles(dir), ['CODAindex.txt']);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
    assert.ok(!existsSync(join(dir, 'CODAchain1.txt')));
  });
});
