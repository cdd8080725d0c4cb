import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  readCoda, formatCoda, writeCoda, formatCodaNumber, parseCodaIndex, parseCodaChain, iterationRange,
  checkChainsAligned, type CodaNodeDraws,
} from '../../src/jags/coda.js';
import { writeRDump } from '../../src/jags/rdump-write.js';
import { Lmer2JagsError, InternalError } from '../../src/errors.js';
import { Rng } from '../../src/mcmc/rng.js';
import { FIXTURES, needsJags, runJags, tempDir } from './jags-run.js';

const STEM = join(FIXTURES, 'CODA');

test('reads the JAGS 4.3.1 fixture: names, chains, iterations, values', () => {
  const coda = readCoda(STEM);
  assert.equal(coda.chains.length, 2);
  assert.deepEqual(coda.names.slice(0, 13), [
    'mu.a', 'a[1]', 'a[2]', 'a[3]', 'a[4]', 'sigma.y',
    'm[1,1]', 'm[2,1]', 'm[1,2]', 'm[2,2]', 'm[1,3]', 'm[2,3]', 'big',
  ]);
  assert.equal(coda.names.length, 33);
  const mu = coda.chains[0].get('mu.a') as CodaNodeDraws;
  // 200 iterations of burn-in (with adaptation) came first: numbering is absolute.
  assert.deepEqual(Array.from(mu.iterations), Array.from({ length: 22 }, (_, i) => 201 + i));
  assert.equal(mu.values[0], 246.861);
  assert.equal(mu.values[21], 277.147);
  const sigma = coda.chains[0].get('sigma.y') as CodaNodeDraws;
  assert.deepEqual(Array.from(sigma.iterations), [201, 203, 205, 207, 209, 211, 213, 215, 217, 219, 221]);
  assert.equal(sigma.values[0], 16.7866);
  const m11 = coda.chains[0].get('m[1,1]') as CodaNodeDraws;
  assert.equal(m11.values[0], 5.99159e-5);
  // e[] was monitored for the last two iterations only.
  const e11 = coda.chains[1].get('e[11]') as CodaNodeDraws;
  assert.deepEqual(Array.from(e11.iterations), [221, 222]);
  assert.ok(Object.is(e11.values[0], -0));
  assert.equal((coda.chains[1].get('e[13]') as CodaNodeDraws).values[1], 1.79769e308);
  assert.equal(readCoda(STEM, { nchains: 1 }).chains.length, 1);
  checkChainsAligned(coda, STEM);
});

test('writes the fixture back byte for byte', () => {
  const coda = readCoda(STEM);
  const { index, chains } = formatCoda(coda);
  assert.equal(index, readFileSync(`${STEM}index.txt`, 'utf8'));
  assert.equal(chains.length, 2);
  chains.forEach((text, k) => assert.equal(text, readFileSync(`${STEM}chain${k + 1}.txt`, 'utf8'), `chain ${k + 1}`));

  const { dir, cleanup } = tempDir();
  try {
    const paths = writeCoda(join(dir, 'out_'), coda);
    assert.deepEqual(paths.map((p) => p.slice(dir.length + 1)), ['out_index.txt', 'out_chain1.txt', 'out_chain2.txt']);
    assert.equal(readFileSync(paths[1], 'utf8'), readFileSync(`${STEM}chain1.txt`, 'utf8'));
  } finally {
    cleanup();
  }
});

test("formats numbers as JAGS's %g with 6 digits (fixture edge values, ties to even)", () => {
  // The exact data values behind e[1..20] in the fixture (see make.sh) and what JAGS printed.
  const ev = [10000.25, 10000.75, 1000005, 1000015, 999999.5, 123456.5, 0.0001, 1.234567e-05, 123456, 1234567, -0,
    1e-300, 1.7976931348623157e+308, 4.9406564584124654e-324, 1e+05, 0.5, -2.5e-07, 0.000123456789, -99999.95,
    3.0000000000000004];
  const lines = readFileSync(`${STEM}chain1.txt`, 'utf8').trimEnd().split('\n');
  const index = parseCodaIndex(readFileSync(`${STEM}index.txt`, 'utf8'), 'index');
  ev.forEach((v, k) => {
    const entry = index.find((e) => e.name === `e[${k + 1}]`);
    assert.ok(entry);
    const printed = lines[entry.first - 1].split('  ')[1];
    assert.equal(formatCodaNumber(v), printed, `e[${k + 1}] = ${v}`);
  });
  const cases: [number, string][] = [
    [0, '0'], [1, '1'], [-1.5, '-1.5'], [100000, '100000'], [1e6, '1e+06'], [999999.4, '999999'],
    [0.0001, '0.0001'], [0.00001, '1e-05'], [-0.000123456789, '-0.000123457'], [1 / 3, '0.333333'],
    [2 / 3, '0.666667'], [1e100, '1e+100'], [123.456789, '123.457'], [NaN, 'NaN'], [Infinity, 'Inf'],
    [-Infinity, '-Inf'], [5e-324, '4.94066e-324'], [0.5, '0.5'], [2.5, '2.5'], [12345.65, '12345.6'],
  ];
  for (const [v, s] of cases) assert.equal(formatCodaNumber(v), s, String(v));
});

test('formatting agrees with real JAGS output on 1500 varied values', needsJags, () => {
  const rng = Rng.fromSeed(77);
  const values: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const mag = Math.round(rng.uniform() * 80 - 40);
    values.push((rng.uniform() < 0.5 ? -1 : 1) * rng.uniform() * 10 ** mag);
  }
  // values that are exactly halfway at the 6th digit, or nearly so
  for (let i = 0; i < 500; i++) {
    const d = Math.floor(rng.uniform() * 9e6) + 1e6;
    const k = Math.floor(rng.uniform() * 14) - 10;
    values.push(i % 2 === 0 ? (d * 10 + 5) / 2 ** (i % 7) : d * 10 ** k);
  }
  const { dir, cleanup } = tempDir();
  try {
    const data = writeRDump([{ name: 'K', values: [values.length], integer: true }, { name: 'v', values }]);
    const r = runJags(dir, {
      'model.jags': 'model {\n  for (k in 1:K) {\n    e[k] <- v[k]\n  }\n  z ~ dnorm(0, 1)\n}\n',
      'data.R': data,
    }, 'model in "model.jags"\ndata in "data.R"\ncompile, nchains(1)\ninitialize\nmonitor e\nupdate 1\ncoda *, stem("o_")\nexit\n');
    assert.equal(r.status, 0, r.output);
    const coda = readCoda(join(dir, 'o_'));
    const lines = readFileSync(join(dir, 'o_chain1.txt'), 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, values.length);
    values.forEach((v, k) => {
      assert.equal(`1  ${formatCodaNumber(v)}`, lines[k], `value ${v}`);
      assert.equal(coda.chains[0].get(`e[${k + 1}]`)?.values[0], Number(lines[k].slice(3)));
    });
  } finally {
    cleanup();
  }
});

// ---------------------------------------------------------------------------------------------
// Validation of bad files.

function expectFileError(fn: () => unknown, path: string, line: number | undefined, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof Lmer2JagsError, `expected Lmer2JagsError, got ${String(err)}`);
    assert.match(err.message, message);
    assert.equal(err.location?.kind, 'file');
    if (err.location?.kind === 'file') {
      assert.equal(err.location.path, path);
      assert.equal(err.location.line, line);
    }
    return true;
  });
}

const INDEX = 'a 1 3\nb[1] 4 5\n';
const CHAIN = '11  1.5\n12  2\n13  -3e-05\n11  7\n12  NA\n';

test('parses index and chain text, with CRLF endings and NA/Inf values', () => {
  const index = parseCodaIndex(INDEX.replace(/\n/g, '\r\n'), 'i');
  assert.deepEqual(index, [{ name: 'a', first: 1, last: 3 }, { name: 'b[1]', first: 4, last: 5 }]);
  const chain = parseCodaChain(CHAIN.replace(/\n/g, '\r\n'), index, 'c');
  assert.deepEqual(Array.from(chain.get('a')?.values ?? []), [1.5, 2, -3e-5]);
  assert.deepEqual(Array.from(chain.get('b[1]')?.iterations ?? []), [11, 12]);
  assert.ok(Number.isNaN(chain.get('b[1]')?.values[1]));
  const inf = parseCodaChain('1  Inf\n2  -Inf\n3  NaN\n', [{ name: 'x', first: 1, last: 3 }], 'c');
  assert.deepEqual(Array.from(inf.get('x')?.values ?? []), [Infinity, -Infinity, NaN]);
});

test('bad index files are reported with their line', () => {
  expectFileError(() => parseCodaIndex('a 1 3\nb 4\n', 'idx.txt'), 'idx.txt', 2, /2 field\(s\), expected 3/);
  expectFileError(() => parseCodaIndex('a 1 x\n', 'idx.txt'), 'idx.txt', 1, /not positive line numbers/);
  expectFileError(() => parseCodaIndex('a 0 3\n', 'idx.txt'), 'idx.txt', 1, /not positive line numbers/);
  expectFileError(() => parseCodaIndex('a 5 3\n', 'idx.txt'), 'idx.txt', 1, /comes before first line/);
  expectFileError(() => parseCodaIndex('a 1 3\na 4 6\n', 'idx.txt'), 'idx.txt', 2, /appears twice/);
  expectFileError(() => parseCodaIndex('a 1 3\nb 3 6\n', 'idx.txt'), 'idx.txt', 2, /overlap a/);
  expectFileError(() => parseCodaIndex('a 1 3\n\nb 4 6\n', 'idx.txt'), 'idx.txt', 2, /empty line/);
  expectFileError(() => parseCodaIndex('', 'idx.txt'), 'idx.txt', undefined, /empty/);
});

test('bad chain files are reported with their line', () => {
  const index = parseCodaIndex(INDEX, 'i');
  expectFileError(() => parseCodaChain('11  1.5\n12  2\n13  -3e-05\n11  7\n', index, 'c1.txt'), 'c1.txt', 4,
    /has 4 line\(s\) but the index \(index\) covers 5/);
  expectFileError(() => parseCodaChain(`${CHAIN}14  3\n`, index, 'c1.txt'), 'c1.txt', 6, /has 6 line\(s\)/);
  expectFileError(() => parseCodaChain(CHAIN.replace('12  2', '12  2x'), index, 'c1.txt'), 'c1.txt', 2, /"2x" is not a number/);
  expectFileError(() => parseCodaChain(CHAIN.replace('12  2', '12'), index, 'c1.txt'), 'c1.txt', 2, /should read "iteration value"/);
  expectFileError(() => parseCodaChain(CHAIN.replace('12  2', '12  2  3'), index, 'c1.txt'), 'c1.txt', 2, /should read/);
  expectFileError(() => parseCodaChain(CHAIN.replace('13  -3e-05', '12  -3e-05'), index, 'c1.txt'), 'c1.txt', 3, /must increase, but 12 follows 12/);
  expectFileError(() => parseCodaChain(CHAIN.replace('11  1.5', '1.5  1.5'), index, 'c1.txt'), 'c1.txt', 1, /not a whole number/);
  // the error names the column of the bad field, for the caret
  try {
    parseCodaChain(CHAIN.replace('12  2', '12  abc'), index, 'c1.txt');
    assert.fail('expected an error');
  } catch (err) {
    assert.ok(err instanceof Lmer2JagsError && err.location?.kind === 'file');
    if (err.location?.kind === 'file') assert.equal(err.location.column, 5);
    assert.match(err.format(), /c1\.txt:2:5/);
  }
});

test('ragged chains, missing files and misaligned chains are user errors', () => {
  const { dir, cleanup } = tempDir();
  try {
    const stem = join(dir, 'CODA');
    copyFileSync(`${STEM}index.txt`, `${stem}index.txt`);
    copyFileSync(`${STEM}chain1.txt`, `${stem}chain1.txt`);
    const chain2 = readFileSync(`${STEM}chain2.txt`, 'utf8').split('\n');
    writeFileSync(`${stem}chain2.txt`, chain2.slice(0, 300).join('\n') + '\n');
    expectFileError(() => readCoda(stem), `${stem}chain2.txt`, 300, /has 300 line\(s\) but the index .* covers 315/);
    expectFileError(() => readCoda(stem, { nchains: 3 }), `${stem}chain2.txt`, 300, /has 300 line/);
    writeFileSync(`${stem}chain2.txt`, chain2.join('\n'));
    expectFileError(() => readCoda(stem, { nchains: 3 }), `${stem}chain3.txt`, undefined, /cannot read CODA chain file/);
    expectFileError(() => readCoda(join(dir, 'nothing')), join(dir, 'nothingindex.txt'), undefined, /cannot read CODA index file/);
    copyFileSync(`${STEM}index.txt`, join(dir, 'lonelyindex.txt'));
    expectFileError(() => readCoda(join(dir, 'lonely')), join(dir, 'lonelychain1.txt'), undefined, /no CODA chain files/);

    // chains whose iteration numbers disagree come from different runs
    writeFileSync(`${stem}chain2.txt`, chain2.join('\n').replace(/^201 {2}/, '200  '));
    const coda = readCoda(stem);
    assert.throws(() => checkChainsAligned(coda, stem), (err: unknown) => err instanceof Lmer2JagsError && /disagree on the iterations of mu\.a/.test(err.message));
  } finally {
    cleanup();
  }
});

test('writer: iteration ranges, thinning, and internal checks on inconsistent input', () => {
  assert.deepEqual(Array.from(iterationRange(1001, 4, 5)), [1001, 1006, 1011, 1016]);
  const chain = new Map([
    ['mu', { iterations: iterationRange(11, 2), values: Float64Array.from([0.1, 1234567]) }],
    ['s[1,2]', { iterations: iterationRange(11, 1), values: Float64Array.from([-2e-9]) }],
  ]);
  const { index, chains } = formatCoda({ names: ['mu', 's[1,2]'], chains: [chain] });
  assert.equal(index, 'mu 1 2\ns[1,2] 3 3\n');
  assert.equal(chains[0], '11  0.1\n12  1.23457e+06\n11  -2e-09\n');
  assert.throws(() => formatCoda({ names: ['mu', 'nope'], chains: [chain] }), InternalError);
  assert.throws(() => formatCoda({ names: ['mu'], chains: [] }), InternalError);
  const short = new Map([...chain].map(([k, v]) => [k, { iterations: v.iterations.slice(0, 1), values: v.values.slice(0, 1) }]));
  assert.throws(() => formatCoda({ names: ['mu', 's[1,2]'], chains: [chain, short] }), InternalError);
});
