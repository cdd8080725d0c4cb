/**
 * The byte-level CODA writer and reader (encodeCodaNumber, encodeCodaBlock,
 * parseCodaChainBytes) against the text ones they replace on the hot path (formatCodaNumber,
 * formatCodaChain, parseCodaChain): the same bytes, the same values, and every malformed file
 * left to parseCodaChain for its message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CodaPrefixes, type CodaNodeDraws, encodeCodaBlock, encodeCodaChain, encodeCodaNumber, formatCodaChain, formatCodaNumber,
  iterationRange, parseCodaChain, parseCodaChainBytes, parseCodaIndex,
} from '../../src/jags/coda.js';
import { Rng } from '../../src/mcmc/rng.js';

/** Values of every magnitude, decimals with ties at the 6th digit, integers, and the edges. */
function values(n: number, seed: number): number[] {
  const rng = Rng.fromSeed(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 4;
    if (kind === 0) out.push((rng.uniform() - 0.5) * 2 * 10 ** Math.floor(rng.uniform() * 70 - 35));
    else if (kind === 1) out.push(Math.round(rng.uniform() * 1e7) / 10 ** Math.floor(rng.uniform() * 9));
    else if (kind === 2) out.push(-Math.floor(rng.uniform() * 2e9));
    else out.push(((Math.floor(rng.uniform() * 9e5) + 1e5) * 10 + 5) / 10 ** Math.floor(rng.uniform() * 12));
  }
  out.push(0, -0, 1, -1, 0.5, 1e-5, 1e-4, 999999.5, 999999.4999, 1e6, 123456.5, 1e21, 1e22, 1e23, 1e-300, 5e-324, 1.7976931348623157e308, NaN, Infinity, -Infinity);
  return out;
}

test('encodeCodaNumber writes exactly formatCodaNumber, and the value the text stands for', () => {
  const buf = Buffer.alloc(64);
  const rounded = new Float64Array(1);
  for (const x of values(200_000, 11)) {
    const end = encodeCodaNumber(x, buf, 0, rounded, 0);
    const text = formatCodaNumber(x);
    assert.equal(buf.toString('latin1', 0, end), text, `x = ${x}`);
    const back = text === 'NaN' ? NaN : text === 'Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text);
    assert.ok(Object.is(rounded[0], back) || (Number.isNaN(rounded[0]) && Number.isNaN(back)), `x = ${x}: ${rounded[0]} vs ${back}`);
  }
});

test('encodeCodaBlock and encodeCodaChain give formatCodaChain\'s bytes', () => {
  const xs = Float64Array.from(values(5000, 12));
  const iterations = iterationRange(1001, xs.length, 3);
  const chain = new Map<string, CodaNodeDraws>([['a', { iterations, values: xs }], ['b[2,1]', { iterations, values: xs.map((x) => -x / 7) }]]);
  const text = formatCodaChain(['b[2,1]', 'a'], chain);
  assert.equal(encodeCodaChain(['b[2,1]', 'a'], chain).bytes.toString('latin1'), text);
  const prefixes = new CodaPrefixes(iterations);
  const a = encodeCodaBlock(prefixes, xs);
  assert.equal(a.bytes.toString('latin1'), formatCodaChain(['a'], chain));
  assert.deepEqual(encodeCodaBlock(iterations, xs).bytes, a.bytes);
});

test('parseCodaChainBytes reads what parseCodaChain reads', () => {
  const xs = Float64Array.from(values(20_000, 13));
  const iterations = iterationRange(6, xs.length);
  const chain = new Map<string, CodaNodeDraws>([['x', { iterations, values: xs }], ['y', { iterations: iterationRange(2, 3, 2), values: Float64Array.of(1.5, -2e-7, 3) }]]);
  const names = ['x', 'y'];
  const text = formatCodaChain(names, chain);
  const index = parseCodaIndex(`x 1 ${xs.length}\ny ${xs.length + 1} ${xs.length + 3}\n`, 'i');
  const slow = parseCodaChain(text, index, 'c');
  for (const variant of [text, text.replace(/\n/g, '\r\n'), text.trimEnd(), text.replace(/  /g, ' \t ')]) {
    const fast = parseCodaChainBytes(Buffer.from(variant, 'latin1'), index);
    assert.ok(fast, 'the fast reader gave up');
    for (const name of names) {
      const f: CodaNodeDraws = fast.get(name)!;
      const s: CodaNodeDraws = slow.get(name)!;
      assert.deepEqual(Array.from(f.iterations), Array.from(s.iterations));
      for (let t = 0; t < s.values.length; t++) assert.ok(Object.is(f.values[t], s.values[t]) || (Number.isNaN(f.values[t]) && Number.isNaN(s.values[t])), `${name}[${t}]`);
    }
  }
  // Long mantissas and other spellings go through Number(): still the same values.
  const odd = '1  0.12345678901234567890\n2  +3.5\n3  .25\n4  7.\n5  1E+300\n6  -Inf\n7  NA\n8  4e-400\n';
  const oddIndex = parseCodaIndex('z 1 8\n', 'i');
  assert.deepEqual(Array.from(parseCodaChainBytes(Buffer.from(odd), oddIndex)!.get('z')!.values), Array.from(parseCodaChain(odd, oddIndex, 'c').get('z')!.values));
});

test('parseCodaChainBytes gives up on every malformed file (parseCodaChain then reports it)', () => {
  const index = parseCodaIndex('a 1 3\n', 'i');
  const bad = [
    '1  1\n2  2\n', // too few lines
    '1  1\n2  2\n3  3\n4  4\n', // too many
    '1  1\n2  2\n2  3\n', // iterations not increasing
    '1  1\nx  2\n3  3\n', // iteration not a number
    '1  1\n2\n3  3\n', // a field missing
    '1  1\n2  2 9\n3  3\n', // a field too many
    '1  1\n2  abc\n3  3\n', // value not a number
    '1  1\n2  1e\n3  3\n', // exponent without digits
    '1  1\n99999999999  2\n999999999999  3\n', // iteration too large
  ];
  for (const text of bad) {
    assert.equal(parseCodaChainBytes(Buffer.from(text), index), null, JSON.stringify(text));
    assert.throws(() => parseCodaChain(text, index, 'c'), JSON.stringify(text));
  }
});
