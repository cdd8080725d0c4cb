/**
 * `lmer2jags fit` through the real command: --json against lme4's fixtures at the issue's
 * tolerances, the printed summary against R's own print(summary(fit)), lme4's messages for
 * singular, rank-deficient and non-converged fits on stderr, --verbose, and bad inputs.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertBadInput, dataFile, expectBadInput } from '../helpers/bad-input.js';
import { runCli, tempDir, type CliResult } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';
import { compareRLines, sameRMessage } from '../helpers/r-text.js';
import { compareJsonWithReference, type FitJson, type LmerReference } from '../lmer/reference.js';

function fixture(id: string): LmerReference {
  return JSON.parse(readFileSync(fixturePath(`lmer/${id}.json`), 'utf8')) as LmerReference;
}

/** The command line that fits a fixture's model as its R script did. */
function fitArgs(ref: LmerReference, ...extra: string[]): string[] {
  return [
    'fit',
    ref.formula,
    '--data',
    fixturePath(ref.data),
    ...(ref.REML ? [] : ['--ml']),
    ...(ref.weights ? ['--weights', ref.weights] : []),
    ...(ref.offsetArg ? ['--offset', ref.offsetArg] : []),
    ...(ref.maxeval ? ['--max-eval', String(ref.maxeval)] : []),
    ...extra,
  ];
}

const JSON_KEYS = ['formula', 'method', 'nobs', 'ngroups', 'criterion', 'logLik', 'fixef', 'se', 'vcov', 'sigma', 'theta', 'varcorr', 'ranef', 'singular', 'converged', 'dropped', 'warnings'];

/**
 * Models whose --json is checked against lme4 (every fixture but InstEval, whose fit takes
 * seconds and is covered by test/lmer/fixtures.test.ts, and groups-factor-dblbar, whose singular
 * optimum is flat enough that our θ and lme4's differ beyond 1e-4 while the criteria agree —
 * fixtures.test.ts checks it at lme4's θ).
 */
const JSON_CASES = [
  'sleepstudy-slope', 'sleepstudy-slope-ml', 'sleepstudy-intercept', 'sleepstudy-nocorr', 'sleepstudy-two-terms',
  'sleepstudy-transforms', 'sleepstudy-poly', 'sleepstudy-maxeval', 'dyestuff', 'dyestuff-ml', 'dyestuff2-singular',
  'penicillin-crossed', 'pastes-nested', 'cake-interaction', 'cbpp-weights', 'seed', 'types-factors',
  'types-names-interaction', 'types-rank-deficient', 'types-offset-formula', 'types-offset-arg', 'types-weights',
  'types-crossed-na-ml', 'groups-crossed-slope', 'groups-interaction', 'groups-nested', 'groups-corr3',
  'groups-several-terms', 'groups-reorder', 'groups-boundary-vector',
];

/** The summaries compared with R's printed text through the command. */
const SUMMARY_CASES = ['sleepstudy-slope', 'sleepstudy-slope-ml', 'dyestuff2-singular', 'types-rank-deficient', 'sleepstudy-maxeval', 'cbpp-weights', 'types-offset-arg', 'pastes-nested'];

/** Run fixtures' commands a few at a time (the machine's cores are shared). */
async function runAll(ids: readonly string[], extra: string[]): Promise<Map<string, CliResult>> {
  const out = new Map<string, CliResult>();
  const queue = [...ids];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) out.set(id, await runCli(fitArgs(fixture(id), ...extra)));
  };
  await Promise.all([worker(), worker(), worker()]);
  return out;
}

describe('lmer2jags fit --json', () => {
  it("equals lme4's fixture values at the issue's tolerances", async () => {
    const results = await runAll(JSON_CASES, ['--json']);
    const failures: string[] = [];
    for (const id of JSON_CASES) {
      const r = results.get(id) as CliResult;
      assert.equal(r.code, 0, `${id}: ${r.stderr}`);
      const json = JSON.parse(r.stdout) as FitJson;
      assert.deepEqual(Object.keys(json), JSON_KEYS, id);
      for (const f of compareJsonWithReference(json, fixture(id))) failures.push(`${id}: ${f}`);
    }
    assert.deepEqual(failures, [], failures.join('\n'));
  });

  it('prints exactly one JSON object, and the messages only on stderr', async () => {
    const ref = fixture('dyestuff2-singular');
    const r = await runCli(fitArgs(ref, '--json'));
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.endsWith('}\n'));
    const json = JSON.parse(r.stdout) as FitJson;
    assert.equal(json.singular, true);
    assert.deepEqual(json.warnings, ref.messages);
    assert.equal(r.stderr, `${ref.messages?.[0]}\n`);
  });
});

describe('lmer2jags fit: the summary is R\'s print(summary(fit))', () => {
  it("matches R's printed text line by line", async (t) => {
    const results = await runAll(SUMMARY_CASES, []);
    for (const id of SUMMARY_CASES) {
      const ref = fixture(id);
      const r = results.get(id) as CliResult;
      assert.equal(r.code, 0, `${id}: ${r.stderr}`);
      // R's call had data = dat; ours names the file.
      const theirs = (ref.summary as string[]).map((l) => (l === '   Data: dat' ? `   Data: ${fixturePath(ref.data)}` : l));
      const ours = r.stdout.replace(/\n$/, '').split('\n');
      const cmp = compareRLines(ours, theirs);
      assert.deepEqual(cmp.problems, [], `${id}:\n${cmp.problems.join('\n')}`);
      if (cmp.tolerated.length > 0) t.diagnostic(`${id}: last-digit differences:\n${cmp.tolerated.join('\n')}`);
    }
  });

  it("gives lme4's messages for singular, rank-deficient and non-converged fits, on stderr", async () => {
    const results = await runAll(['dyestuff2-singular', 'types-rank-deficient', 'sleepstudy-maxeval', 'groups-boundary-vector'], []);
    // Singular fits: lme4's message as it fits, and the summary's last line.
    for (const id of ['dyestuff2-singular', 'groups-boundary-vector']) {
      const r = results.get(id) as CliResult;
      assert.equal(r.stderr, "boundary (singular) fit: see help('isSingular')\n", id);
      assert.match(r.stdout, /\noptimizer \(nloptwrap\) convergence code: 0 \(OK\)\nboundary \(singular\) fit: see help\('isSingular'\)\n/);
    }
    // A rank-deficient X: lme4's message, and "fit warnings:" in the summary.
    const rd = results.get('types-rank-deficient') as CliResult;
    assert.equal(rd.stderr, '11 of 240 rows dropped for missing values\nfixed-effect model matrix is rank deficient so dropping 1 column / coefficient\n');
    assert.match(rd.stdout, /\nfit warnings:\nfixed-effect model matrix is rank deficient so dropping 1 column \/ coefficient\n/);
    assert.doesNotMatch(rd.stdout, /^u2 /m);
    // Stopped by the evaluation limit: lme4's two warnings, word for word (the gradient within 1e-4).
    const ne = results.get('sleepstudy-maxeval') as CliResult;
    const warnings = ne.stderr.replace(/\n$/, '').split('\n');
    const expected = fixture('sleepstudy-maxeval').messages as string[];
    assert.equal(expected.length, 2);
    assert.equal(warnings.length, 2, ne.stderr);
    warnings.forEach((w, i) => {
      assert.ok(w.startsWith('warning: '), w);
      assert.ok(sameRMessage(w.slice('warning: '.length), expected[i]), `${w}\nvs lme4: ${expected[i]}`);
    });
    assert.equal(warnings[0], `warning: ${expected[0]}`);
  });

  it('--verbose shows the optimizer record on stderr; --quiet silences messages, not warnings', async () => {
    const ref = fixture('sleepstudy-slope');
    const [plain, verbose] = await Promise.all([runCli(fitArgs(ref)), runCli(fitArgs(ref, '--verbose'))]);
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.equal(verbose.stdout, plain.stdout);
    assert.equal(plain.stderr, '');
    assert.match(verbose.stderr, /^optimizer: bobyqa/);
    assert.match(verbose.stderr, /\n {2}start theta: 1 0 1\n {2}final theta: 0\.96674\d* 0\.01516\d* 0\.2309\d*\n/);
    assert.match(verbose.stderr, /\n {2}REML criterion: 1773\.68 at the start, 1743\.628 at the end\n/);
    assert.match(verbose.stderr, /\n {2}evaluations: \d+ by the optimizer, \d+ in all/);
    assert.match(verbose.stderr, /\n {2}return: xtol \(NLopt code 4\): NLOPT_XTOL_REACHED/);
    const single = fixture('dyestuff2-singular');
    const maxeval = fixture('sleepstudy-maxeval');
    const [quietSingular, quietMaxeval] = await Promise.all([runCli(fitArgs(single, '--quiet', '--json')), runCli(fitArgs(maxeval, '--quiet', '--json'))]);
    assert.equal(quietSingular.stderr, '');
    assert.equal(quietMaxeval.stderr.split('\n').filter((l) => l.startsWith('warning: ')).length, 2);
  });

  it('reports rows dropped for missing values, as lme4 fits the rest', async () => {
    const ref = fixture('types-crossed-na-ml');
    const r = await runCli(fitArgs(ref, '--json'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^\d+ of 240 rows dropped for missing values\n$/);
    assert.equal((JSON.parse(r.stdout) as FitJson).nobs, ref.nobs);
  });
});

describe('lmer2jags fit: degenerate data', () => {
  it('scales of 1e-8 and 1e8: the same theta, estimates scaled, no NaN', async () => {
    const dir = tempDir();
    const src = readFileSync(fixturePath('data/sleepstudy.csv'), 'utf8').trim().split('\n');
    const head = src[0].split(',');
    const ri = head.indexOf('"Reaction"') >= 0 ? head.indexOf('"Reaction"') : head.indexOf('Reaction');
    const scaled = (k: number): string => {
      const rows = src.slice(1).map((l) => {
        const c = l.split(',');
        c[ri] = String(Number(c[ri]) * k);
        return c.join(',');
      });
      const f = join(dir, `sleep-${k}.csv`);
      writeFileSync(f, [src[0], ...rows].join('\n') + '\n');
      return f;
    };
    const runs = await Promise.all([1, 1e-8, 1e8].map((k) => runCli(['fit', 'Reaction ~ Days + (Days | Subject)', '--data', scaled(k), '--json'])));
    const [base, small, big] = runs.map((r) => {
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /null|NaN/);
      return JSON.parse(r.stdout) as FitJson;
    });
    for (const [fit, k] of [[small, 1e-8], [big, 1e8]] as const) {
      fit.theta.forEach((t, i) => assert.ok(Math.abs(t - base.theta[i]) <= 1e-4 * Math.max(1, Math.abs(base.theta[i])), `theta[${i}] at scale ${k}: ${t} vs ${base.theta[i]}`));
      assert.ok(Math.abs(fit.sigma / k - base.sigma) <= 1e-6 * base.sigma, `sigma at scale ${k}`);
      for (const name of Object.keys(base.fixef)) assert.ok(Math.abs(fit.fixef[name] / k - base.fixef[name]) <= 1e-6 * Math.abs(base.fixef[name]), `${name} at scale ${k}`);
    }
  });

  it('an almost exact fit that stops on roundoff: lme4\'s warnings, and numbers, never NaN', async () => {
    // As lme4 does on these data, the fit ends with a tiny residual SD and convergence warnings.
    const xs = Array.from({ length: 16 }, (_, i) => i + 1);
    const f = dataFile('near-exact.csv', `y,x,g\n${xs.map((x, i) => `${2 * x + 1 + (i % 4)},${x},${'abcd'[i % 4]}`).join('\n')}\n`);
    const r = await runCli(['fit', 'y ~ x + (1 | g)', '--data', f, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: convergence code -4 from nloptwrap: NLOPT_ROUNDOFF_LIMITED: Roundoff errors led to a breakdown of the optimization algorithm\.\nwarning: Model failed to converge with max\|grad\| = [\d.e-]+ \(tol = 0\.002, component 1\)\n$/);
    assert.doesNotMatch(r.stdout, /null|NaN/);
    const json = JSON.parse(r.stdout) as FitJson;
    assert.equal(json.converged, false);
    assert.ok(json.sigma > 0 && json.sigma < 1e-3, `sigma ${json.sigma}`);
    assert.ok(Math.abs(json.fixef.x - 2) < 1e-6);
  });

  it('collinear predictors: the later column is dropped with lme4\'s message', async () => {
    const r = await runCli(['fit', 'y ~ x + u1 + u2 + (1 | g)', '--data', fixturePath('data/sim_types.csv'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as FitJson;
    assert.deepEqual(json.dropped, ['u2']);
    assert.deepEqual(Object.keys(json.fixef), ['(Intercept)', 'x', 'u1']);
    assert.match(r.stderr, /fixed-effect model matrix is rank deficient so dropping 1 column \/ coefficient/);
  });
});

describe('lmer2jags fit: bad input exits 2 with a clear message', () => {
  const sleep = fixturePath('data/sleepstudy.csv');
  const rows = (ys: readonly number[], xs: readonly number[]): string =>
    `y,x,g\n${ys.map((y, i) => `${y},${xs[i]},${'abcd'[i % 4]}`).join('\n')}\n`;

  it('a constant response', async () => {
    const f = dataFile('constant.csv', rows(new Array<number>(12).fill(3), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    await expectBadInput(['fit', 'y ~ x + (1 | g)', '--data', f], /the response 'y' is constant \(every one of its 12 values is 3\)/);
  });
  it('a response the fixed effects fit exactly (perfect fit)', async () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const f = dataFile('exact.csv', rows(xs.map((x) => 2 * x + 1), xs));
    await expectBadInput(['fit', 'y ~ x + (1 | g)', '--data', f, '--json'], /the fixed effects fit the response 'y' exactly \(zero residual sum of squares\)/);
  });
  it('a response the fixed and random effects fit exactly: the fit degenerates', async () => {
    // y = 2x + 1 + a group effect, exactly: the optimizer drives theta up until R_X breaks down.
    const lines = Array.from({ length: 40 }, (_, i) => `${2 * (i % 7) + 1 + (i % 5)},${i % 7},g${i % 5}`);
    const f = dataFile('exact-groups.csv', `y,x,g\n${lines.join('\n')}\n`);
    await expectBadInput(['fit', 'y ~ x + (1 | g)', '--data', f], /the fit degenerates: the residual variance goes to 0 relative to the random effects \(theta reached \d/);
  });
  it('values whose squares overflow (a slope of 1e200): the column named, with the caret under it', async () => {
    const lines = Array.from({ length: 24 }, (_, i) => `${(i * 7) % 5},${i % 3},g${i % 4}`);
    const f = dataFile('overflow.csv', `y,z,g\n${lines.join('\n')}\n`);
    const stderr = await expectBadInput(['fit', 'y ~ 1 + (I(z * 1e200) | g)', '--data', f], /the column 'I\(z \* 1e\+?200\)' of \(… \| g\) has values too large to fit \(up to 2\.00e\+200\)/, /rescale/);
    assert.match(stderr, /\^/);
  });
  it('REML with as many fixed effects as observations', async () => {
    const f = dataFile('tiny.csv', 'y,x1,x2,g\n1,2,5,a\n2,3,1,a\n4,1,2,b\n');
    await expectBadInput(['fit', 'y ~ x1 + x2 + (1 | g)', '--data', f], /REML needs more observations \(3\) than fixed effects \(3\)/, /maximum likelihood/);
  });
  it('a bad --max-eval (0, 2.5, not a number)', async () => {
    const rs = await Promise.all(['0', '2.5', 'abc'].map((v) => runCli(['fit', 'Reaction ~ Days + (1 | Subject)', '--data', sleep, '--max-eval', v])));
    assertBadInput(rs[0], /--max-eval must be a whole number of at least 1, not 0/);
    assertBadInput(rs[1], /--max-eval must be a whole number of at least 1, not 2\.5/);
    assertBadInput(rs[2], /--max-eval must be a whole number of at least 1, it is not a number/);
  });
  it('bad --weights and --offset columns (missing, negative, not numeric)', async () => {
    const f = dataFile('w.csv', `y,x,g,w,f\n${Array.from({ length: 12 }, (_, i) => `${(i * 7) % 5},${i},${'abc'[i % 3]},${i === 4 ? -1 : 1},${'pq'[i % 2]}`).join('\n')}\n`);
    const [missing, negative, factor, offset] = await Promise.all([
      runCli(['fit', 'y ~ x + (1 | g)', '--data', f, '--weights', 'nope']),
      runCli(['fit', 'y ~ x + (1 | g)', '--data', f, '--weights', 'w']),
      runCli(['fit', 'y ~ x + (1 | g)', '--data', f, '--weights', 'f']),
      runCli(['fit', 'y ~ x + (1 | g)', '--data', f, '--offset', 'f']),
    ]);
    assertBadInput(missing, /the weights column 'nope' is not in the data/);
    assertBadInput(negative, /the weights column 'w' must hold finite non-negative numbers/);
    assertBadInput(factor, /the weights column 'f' must hold finite non-negative numbers/);
    assertBadInput(offset, /the offset column 'f' is not numeric/);
  });
  it('fit without a formula or data, an empty --data, an unknown variable', async () => {
    const [noFormula, noData, empty, unknown] = await Promise.all([
      runCli(['fit', '--data', sleep]),
      runCli(['fit', 'Reaction ~ Days + (1 | Subject)']),
      runCli(['fit', 'Reaction ~ Days + (1 | Subject)', '--data', '']),
      runCli(['fit', 'Reaction ~ Dayz + (1 | Subject)', '--data', sleep, '--json']),
    ]);
    assertBadInput(noFormula, /Not enough non-option arguments/);
    assertBadInput(noData, /Missing required argument: data/);
    assertBadInput(empty, /--data needs a file name/);
    assertBadInput(unknown, /unknown variable 'Dayz'/, /Days/);
  });
});
