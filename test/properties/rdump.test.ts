/**
 * The R-dump writer (src/jags/rdump-write.ts) and reader (src/data/rdump.ts) agree: any finite
 * data written is read back with the same values bit for bit (NA as NA, -0 as -0, extreme and
 * subnormal doubles), the same integer storage, the same array extents and the same names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readRDump } from '../../src/data/rdump.js';
import { type RDumpEntry, formatDouble, writeRDump } from '../../src/jags/rdump-write.js';
import { params } from './support.js';

const INT32_MAX = 2147483647;

/** Doubles of every kind: extremes, subnormals, -0, whole numbers, integers past 2^53. */
const finiteDouble = fc.oneof(
  { weight: 4, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1, -1, 0.1, 1e5, 1e-5, 123456.7, 1e15, 1e16, 1e21, 2 ** 53, 2 ** 53 + 2, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 2.2250738585072014e-308, 5e-324, 1 / 3) },
  { weight: 1, arbitrary: fc.integer({ min: -1e6, max: 1e6 }) },
  { weight: 1, arbitrary: fc.double({ min: -1e-300, max: 1e-300, noNaN: true }) },
);

/** Plain BUGS names, and the dotted ones JAGS quotes (".RNG.seed"). */
const name = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9._]{0,10}$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^\.[A-Za-z.][A-Za-z0-9._]{0,8}$/) },
);

/** Array extents: none (a vector), or 2 to 4 dimensions of 1 to 4 each. */
const dims = fc.option(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }), { nil: undefined, freq: 2 });

const length = (dim: readonly number[] | undefined, fallback: number): number => (dim === undefined ? fallback : dim.reduce((a, b) => a * b, 1));

type Entry = RDumpEntry & { readonly kind: 'double' | 'int32' | 'integer-with-na' | 'string' };

const doubleEntry: fc.Arbitrary<Omit<Entry, 'name'>> = fc
  .tuple(dims, fc.integer({ min: 1, max: 12 }))
  .chain(([dim, n]) =>
    fc.array(fc.option(finiteDouble, { nil: null, freq: 6 }), { minLength: length(dim, n), maxLength: length(dim, n) }).map((xs) => ({
      kind: 'double' as const,
      values: Float64Array.from(xs, (x) => (x === null ? Number.NaN : x)),
      ...(dim === undefined ? {} : { dim }),
    })),
  );

const int32Entry: fc.Arbitrary<Omit<Entry, 'name'>> = fc
  .tuple(dims, fc.integer({ min: 1, max: 12 }))
  .chain(([dim, n]) =>
    fc.array(fc.oneof(fc.integer(), fc.constantFrom(0, -INT32_MAX, INT32_MAX, -1)), { minLength: length(dim, n), maxLength: length(dim, n) }).map((xs) => ({
      kind: 'int32' as const,
      values: Int32Array.from(xs),
      ...(dim === undefined ? {} : { dim }),
    })),
  );

/** Integer storage with NA (a plain array with null), including values past 32 bits. */
const integerWithNa: fc.Arbitrary<Omit<Entry, 'name'>> = fc
  .array(fc.option(fc.oneof(fc.integer(), fc.constantFrom(2 ** 31, -(2 ** 40), 2 ** 53)), { nil: null, freq: 4 }), { minLength: 1, maxLength: 10 })
  .map((values) => ({ kind: 'integer-with-na' as const, values, integer: true }));

const stringEntry: fc.Arbitrary<Omit<Entry, 'name'>> = fc
  .string({ unit: 'grapheme', maxLength: 20 })
  .filter((s) => !/["\\\n\r]/.test(s))
  .map((s) => ({ kind: 'string' as const, values: [s] }));

const entries: fc.Arbitrary<Entry[]> = fc
  .uniqueArray(name, { minLength: 1, maxLength: 6 })
  .chain((names) =>
    fc.tuple(...names.map(() => fc.oneof({ weight: 4, arbitrary: doubleEntry }, { weight: 2, arbitrary: int32Entry }, { weight: 1, arbitrary: integerWithNa }, { weight: 1, arbitrary: stringEntry }))).map(
      (bodies) => bodies.map((b, i) => ({ ...b, name: names[i] }) as Entry),
    ),
  )
  // JAGS needs .RNG.name whenever .RNG.seed or .RNG.state is given (the writer checks).
  .filter((es) => !es.some((e) => e.name === '.RNG.seed' || e.name === '.RNG.state'));

function expectedNumbers(e: Entry): number[] {
  return Array.from(e.values as ArrayLike<number | null>, (v) => (v === null ? Number.NaN : v));
}

describe('properties: R dump writer → reader round trip', () => {
  it('reads back every value bit for bit, with the integer flag, extents and names', () => {
    fc.assert(
      fc.property(entries, (es) => {
        const text = writeRDump(es);
        const data = readRDump(text, 'roundtrip.R');
        assert.deepEqual([...data.keys()], es.map((e) => e.name), 'names in file order');
        for (const e of es) {
          const got = data.get(e.name);
          assert.ok(got, e.name);
          if (e.kind === 'string') {
            assert.equal(got.type, 'character');
            assert.deepEqual(got.values, e.values);
            continue;
          }
          const want = expectedNumbers(e);
          const values = Array.from(got.values as Float64Array);
          assert.equal(values.length, want.length, `${e.name}: length`);
          for (let i = 0; i < want.length; i++) {
            assert.ok(Object.is(values[i], want[i]), `${e.name}[${i + 1}]: wrote ${formatDouble0(want[i])}, read ${values[i]}\n${text}`);
          }
          // A one-dimensional array is a vector to JAGS; more dimensions come back as written.
          const dim = e.dim !== undefined && e.dim.length > 1 ? e.dim : null;
          assert.deepEqual(got.dim, dim, `${e.name}: .Dim`);
          const present = want.filter((v) => !Number.isNaN(v));
          if (present.length === 0) {
            // c(NA, NA) is logical in R, whatever was meant.
            assert.ok(got.type === 'logical' || got.type === 'integer' || got.type === 'double');
          } else if (e.kind !== 'double' && present.every((v) => Math.abs(v) <= INT32_MAX)) {
            assert.equal(got.type, 'integer', `${e.name}: written with L, read as integer`);
            assert.equal(got.integer, true);
          } else if (e.kind === 'double') {
            assert.equal(got.type, 'double', `${e.name}: doubles stay doubles`);
            assert.equal(got.integer, false);
          }
        }
      }),
      params(2000),
    );
  });

  it('writes only what JAGS reads: no Inf/NaN/TRUE, no ranges, signed two-digit exponents', () => {
    fc.assert(
      fc.property(entries, (es) => {
        const text = writeRDump(es);
        assert.doesNotMatch(text, /\b(?:Inf|NaN|TRUE|FALSE)\b/);
        assert.doesNotMatch(text, /\d:\d/);
        assert.doesNotMatch(text, /\bdim\s*=/);
        assert.doesNotMatch(text, /(?<![\w.])\d+(?:\.\d+)?e\d/i, 'an exponent without a sign');
        assert.doesNotMatch(text, /e[+-]\d(?!\d)/, 'a one-digit exponent');
        for (const line of text.trimEnd().split('\n')) assert.match(line, /^(?:[A-Za-z][\w.]*|"\.[\w.]*") <- /);
      }),
      params(800),
    );
  });

  it('formats doubles in the shortest text that reads back to the same double', () => {
    fc.assert(
      fc.property(finiteDouble, (x) => {
        const s = formatDouble(x);
        assert.ok(Object.is(Number(s), x), `${x} → ${s}`);
        assert.ok(s.length <= Math.max(String(x).length, x.toExponential().length) + 2, `${x} → ${s} is not short`);
      }),
      params(5000),
    );
  });
});

function formatDouble0(x: number): string {
  return Number.isNaN(x) ? 'NA' : formatDouble(x);
}
