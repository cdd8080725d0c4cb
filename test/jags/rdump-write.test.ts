import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { writeRDump, formatDouble, formatName, type RDumpEntry } from '../../src/jags/rdump-write.js';
import { formatCodaNumber, readCoda } from '../../src/jags/coda.js';
import { InternalError } from '../../src/errors.js';
import { Rng } from '../../src/mcmc/rng.js';
import { needsJags, runJags, tempDir } from './jags-run.js';

test('writes scalars, vectors, integers, NA and arrays in the JAGS dialect', () => {
  const text = writeRDump([
    { name: 'N', values: [5], integer: true },
    { name: 'x', values: [3.5] },
    { name: 'y', values: Float64Array.from([1.5, NaN, -0, 1e5, 2.5e-7, 123456, 0.001, 1e-4]) },
    { name: 'g', values: Int32Array.from([1, 2, -3]) },
    { name: 'h', values: [1, null, 3], integer: true },
    { name: 'big', values: [3e9, -2147483647, 2147483647], integer: true },
    { name: 'M', values: [1, 2, 3, 4, 5, 6], dim: [3, 2] },
    { name: 'A', values: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), dim: [2, 2, 2] },
    { name: 'v1', values: [4, 5], dim: [2] },
    { name: 'one', values: [7], dim: [1, 1] },
    { name: 'sigma.y_2', values: Int32Array.from([4]), integer: false },
  ]);
  assert.equal(text, [
    'N <- 5L',
    'x <- 3.5',
    'y <- c(1.5, NA, -0, 1e+05, 2.5e-07, 123456, 0.001, 1e-04)',
    'g <- c(1L, 2L, -3L)',
    'h <- c(1L, NA, 3L)',
    'big <- c(3e+09, -2147483647L, 2147483647L)',
    'M <- structure(c(1, 2, 3, 4, 5, 6), .Dim = c(3L, 2L))',
    'A <- structure(c(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), .Dim = c(2L, 2L, 2L))',
    'v1 <- c(4, 5)',
    'one <- structure(c(7), .Dim = c(1L, 1L))',
    'sigma.y_2 <- 4',
    '',
  ].join('\n'));
  // What JAGS REJECTS never appears: ranges, dim =, unsigned exponents, Inf/NaN/TRUE, `=`.
  assert.doesNotMatch(text, /\d:\d|dim =|e\d|Inf|NaN|TRUE| = (?!c\()/);
});

test('RNG settings for inits: quoted dotted names and a string value', () => {
  assert.equal(
    writeRDump([
      { name: '.RNG.name', values: ['base::Mersenne-Twister'] },
      { name: '.RNG.seed', values: [123] },
      { name: 'mu', values: [0.1] },
    ]),
    '".RNG.name" <- "base::Mersenne-Twister"\n".RNG.seed" <- 123\nmu <- 0.1\n',
  );
  assert.throws(() => writeRDump([{ name: '.RNG.seed', values: [1] }]), /need \.RNG\.name/);
  assert.equal(formatName('a.b_c1'), 'a.b_c1');
  assert.equal(formatName('.RNG.state'), '".RNG.state"');
});

test('numbers: shortest exact form, signed exponents, at most 17 digits', () => {
  const cases: [number, string][] = [
    [0.1, '0.1'], [1 / 3, '0.3333333333333333'], [100, '100'], [1e5, '1e+05'], [1e15, '1e+15'],
    [123456789012, '123456789012'], [1e-300, '1e-300'], [1e300, '1e+300'], [-2.5e-7, '-2.5e-07'],
    [5e-324, '5e-324'], [1.7976931348623157e308, '1.7976931348623157e+308'], [-0, '-0'], [0, '0'],
    [0.30000000000000004, '0.30000000000000004'], [1234567890123456789, '1234567890123456800'],
  ];
  for (const [v, s] of cases) assert.equal(formatDouble(v), s);

  const check = (x: number) => {
    const s = formatDouble(x);
    assert.ok(Object.is(Number(s), x), `${x} -> ${s}`);
    const mantissa = s.replace(/^-/, '').split('e')[0].replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
    assert.ok(mantissa.length <= 17, `${s} has more than 17 significant digits`);
    if (s.includes('e')) assert.match(s, /^-?\d(\.\d+)?e[+-]\d{2,3}$/);
    else assert.match(s, /^-?\d+(\.\d+)?$/);
  };
  // random bit patterns over the whole double range
  const rng = Rng.fromSeed(3);
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < 20000; i++) {
    u[0] = rng.nextUint32();
    u[1] = rng.nextUint32();
    if (Number.isFinite(f[0])) check(f[0]);
  }
  fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => check(x)), { numRuns: 2000 });
});

test('bad entries are internal errors naming the variable', () => {
  const bad = (e: RDumpEntry | RDumpEntry[], re: RegExp) =>
    assert.throws(() => writeRDump(Array.isArray(e) ? e : [e]), (err: unknown) => err instanceof InternalError && re.test(err.message));
  bad({ name: 'y', values: [1, Infinity] }, /element 2 of "y" is Infinity/);
  bad({ name: 'y', values: Float64Array.from([-Infinity]) }, /element 1 of "y" is -Infinity/);
  bad({ name: 'k', values: [1, 1.5], integer: true }, /integer variable "k" is 1\.5/);
  bad({ name: 'e', values: [] }, /"e" has no values/);
  bad({ name: 'M', values: [1, 2, 3], dim: [2, 2] }, /"M" has 3 values but dim 2x2 needs 4/);
  bad({ name: 'M', values: [1, 2], dim: [2, 0] }, /bad extent 0/);
  bad({ name: 's', values: ['a', 'b'] }, /string vector/);
  bad({ name: 's', values: ['say "hi"'] }, /quote/);
  bad({ name: '1x', values: [1] }, /not a valid BUGS variable name/);
  bad({ name: 'a b', values: [1] }, /not a valid BUGS variable name/);
  bad([{ name: 'a', values: [1] }, { name: 'a', values: [2] }], /written twice/);
});

/** Parses what JAGS's `data to` command writes: `name` <- newline value. */
function parseJagsDump(text: string): Map<string, { values: string[]; dim?: number[] }> {
  const out = new Map<string, { values: string[]; dim?: number[] }>();
  const re = /^`([^`]+)` <- \n(.*)$/gm;
  for (const m of text.matchAll(re)) {
    const rhs = m[2];
    const s = /^structure\(c\((.*)\), \.Dim = c\((.*)\)\)$/.exec(rhs);
    if (s) out.set(m[1], { values: s[1].split(','), dim: s[2].split(',').map((d) => Number(d.replace('L', ''))) });
    else if (rhs.startsWith('c(')) out.set(m[1], { values: rhs.slice(2, -1).split(',') });
    else out.set(m[1], { values: [rhs] });
  }
  return out;
}

test('JAGS reads what we write: values, NA, 3-d arrays, integers beyond 2^31 (via `data to`)', needsJags, () => {
  const rng = Rng.fromSeed(8);
  const long = Float64Array.from({ length: 20000 }, () => rng.normal(250, 40));
  const entries: RDumpEntry[] = [
    { name: 'N', values: [6], integer: true },
    { name: 'y', values: Float64Array.from([1e-300, -0, 1e300, 2.5e-7, NaN, 123456.7890123]) },
    { name: 'A', values: Float64Array.from([1, NaN, 3.25, 4, 5e-5, 6, 7e10, -8]), dim: [2, 2, 2] },
    { name: 'M', values: Int32Array.from([1, 2, 3, 4, 5, 6]), dim: [3, 2] },
    { name: 'big', values: [3e9, 2 ** 53], integer: true },
    { name: 'one', values: [7.5], dim: [1, 1] },
    { name: 'long', values: long },
  ];
  const { dir, cleanup } = tempDir();
  try {
    const r = runJags(dir, {
      'model.jags': 'model {\n  for (i in 1:N) {\n    y[i] ~ dnorm(mu, 1)\n  }\n  mu ~ dnorm(0, 1.0E-6)\n}\n',
      'data.R': writeRDump(entries),
    }, 'model in "model.jags"\ndata in "data.R"\ncompile, nchains(1)\ninitialize\ndata to "out.R"\nexit\n');
    assert.equal(r.status, 0, r.output);
    const back = parseJagsDump(readFileSync(join(dir, 'out.R'), 'utf8'));
    for (const e of entries) {
      const got = back.get(e.name);
      assert.ok(got, `JAGS wrote no ${e.name}`);
      const want = Array.from(e.values as ArrayLike<number>, (v) => (Number.isNaN(v) ? 'NA' : formatCodaNumber(v)));
      // JAGS prints its copy with 6 significant digits, exactly as our %g formatter does.
      assert.deepEqual(got.values, want, e.name);
      const dim = e.dim && e.dim.length > 1 ? e.dim : undefined;
      assert.deepEqual(got.dim, dim, `${e.name} dim`);
    }
  } finally {
    cleanup();
  }
});

test('JAGS parses every digit: (y - hi) - lo is exactly 0 for 400 values', needsJags, () => {
  // hi is y rounded to 6 digits and lo = y - hi (exact, as hi and y are within a factor of 2),
  // so (y - hi) - lo is exactly 0 in double arithmetic if and only if JAGS read y exactly.
  const rng = Rng.fromSeed(21);
  const y: number[] = [0.1, 1 / 3, Math.PI * 1e10, 1.7976931348623157e308, 5e-324, 2.2250738585072014e-308];
  while (y.length < 400) {
    const mag = Math.round(rng.uniform() * 600 - 300);
    y.push((rng.uniform() < 0.5 ? -1 : 1) * (1 + rng.uniform()) * 10 ** mag);
  }
  const hi = y.map((v) => Number(v.toPrecision(6)));
  const lo = y.map((v, i) => v - hi[i]);
  const { dir, cleanup } = tempDir();
  try {
    const r = runJags(dir, {
      'model.jags': 'model {\n  for (i in 1:N) {\n    d[i] <- (y[i] - hi[i]) - lo[i]\n  }\n  z ~ dnorm(0, 1)\n}\n',
      'data.R': writeRDump([
        { name: 'N', values: [y.length], integer: true },
        { name: 'y', values: y },
        { name: 'hi', values: hi },
        { name: 'lo', values: lo },
      ]),
    }, 'model in "model.jags"\ndata in "data.R"\ncompile, nchains(1)\ninitialize\nmonitor d\nupdate 1\ncoda *, stem("o_")\nexit\n');
    assert.equal(r.status, 0, r.output);
    const coda = readCoda(join(dir, 'o_'));
    y.forEach((v, i) => {
      const d = coda.chains[0].get(`d[${i + 1}]`)?.values[0];
      assert.equal(d, 0, `JAGS read ${v} inexactly (d = ${d})`);
    });
  } finally {
    cleanup();
  }
});

test('inits with .RNG.name/.RNG.seed make JAGS runs reproducible', needsJags, () => {
  const model = 'model {\n  for (i in 1:3) {\n    y[i] ~ dnorm(mu, 1)\n  }\n  mu ~ dnorm(0, 0.01)\n}\n';
  const data = writeRDump([{ name: 'y', values: [1.2, 0.7, 2.5] }]);
  const run = (seed: number): string => {
    const { dir, cleanup } = tempDir();
    try {
      const inits = writeRDump([
        { name: '.RNG.name', values: ['base::Mersenne-Twister'] },
        { name: '.RNG.seed', values: [seed], integer: true },
        { name: 'mu', values: [0.5] },
      ]);
      const r = runJags(dir, { 'model.jags': model, 'data.R': data, 'inits1.R': inits },
        'model in "model.jags"\ndata in "data.R"\ncompile, nchains(1)\nparameters in "inits1.R", chain(1)\ninitialize\nmonitor mu\nupdate 20\ncoda *\nexit\n');
      assert.equal(r.status, 0, r.output);
      return readFileSync(join(dir, 'CODAchain1.txt'), 'utf8');
    } finally {
      cleanup();
    }
  };
  const a = run(123);
  assert.equal(a.split('\n').length, 21);
  assert.equal(run(123), a);
  assert.notEqual(run(124), a);
});
