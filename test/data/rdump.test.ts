import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readRDump, rdumpToTable, type RDumpData, type RDumpValue } from '../../src/data/rdump.js';
import type { FactorColumn, LogicalColumn, NumericColumn } from '../../src/data/table.js';
import { Lmer2JagsError } from '../../src/errors.js';
import { fixturePath } from '../helpers/fixtures.js';

function get(data: RDumpData, name: string): RDumpValue {
  const v = data.get(name);
  assert.ok(v, `variable ${name} missing; have ${[...data.keys()].join(', ')}`);
  return v;
}
const numbers = (v: RDumpValue): number[] => Array.from(v.values as Float64Array);

function dumpError(text: string): Lmer2JagsError {
  try {
    readRDump(text, 'd.R');
  } catch (e) {
    assert.ok(e instanceof Lmer2JagsError, `expected Lmer2JagsError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

// Written by R 4.2.2's dump() (set.seed(1) etc. as in the comments), kept verbatim.
const R_DUMP = `x <-
c(1.5, 2, -3e-10, 100000, 123456789012, NA, Inf, -Inf, NaN)
grp <-
c(1L, 1L, 2L, NA)
n <-
3L
r <-
1:10
rr <-
5:2
m <-
structure(1:6, dim = 2:3)
md <-
structure(c(1.5, 2, 3, 4), dim = c(2L, 2L))
a3 <-
structure(1:24, dim = 2:4)
s <-
c("a", "b\\"q", NA, "é\\n")
l <-
c(TRUE, FALSE, NA)
f <-
structure(c(1L, 2L, 1L), levels = c("u", "v"), class = "factor")
e <-
numeric(0)
big <-
c(-0.62645381074233242, 0.18364332422208224, -0.83562861241004716, 
1.5952808021377916, 0.32950777181536051, -0.82046838411801526
)
neg <-
-5L
ints <-
c(2147483647L, -2147483647L)
.RNG.name <-
"base::Mersenne-Twister"
a <-
-3:3
b <-
NA_integer_
cc <-
NA_real_
d <-
NA_character_
fnamed <-
c(a = 1, b = 2)
g <-
structure(1:4, dim = c(2L, 2L), dimnames = list(c("r1", "r2"), 
    NULL))
h <-
1000000000000000
j <-
0.30000000000000004
ch0 <-
character(0)
\`my var\` <-
2
ar1 <-
structure(1:3, dim = 3L)
`;

test("reads everything R's dump() writes for vectors, arrays and factors", () => {
  const d = readRDump(R_DUMP, 'd.R');
  const x = get(d, 'x');
  assert.equal(x.type, 'double');
  assert.equal(x.integer, false);
  assert.deepEqual(numbers(x), [1.5, 2, -3e-10, 100000, 123456789012, NaN, Infinity, -Infinity, NaN]);
  assert.equal(x.dim, null);
  assert.equal(x.line, 1);
  const grp = get(d, 'grp');
  assert.equal(grp.type, 'integer');
  assert.equal(grp.integer, true);
  assert.deepEqual(numbers(grp), [1, 1, 2, NaN]);
  assert.deepEqual(numbers(get(d, 'n')), [3]);
  assert.equal(get(d, 'n').line, 5);
  assert.deepEqual(numbers(get(d, 'r')), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(get(d, 'r').integer, true);
  assert.deepEqual(numbers(get(d, 'rr')), [5, 4, 3, 2]);
  assert.deepEqual(get(d, 'm').dim, [2, 3]);
  assert.deepEqual(numbers(get(d, 'm')), [1, 2, 3, 4, 5, 6]); // column-major, as R stores it
  assert.deepEqual(get(d, 'md').dim, [2, 2]);
  assert.equal(get(d, 'md').type, 'double');
  assert.deepEqual(get(d, 'a3').dim, [2, 3, 4]);
  assert.equal(get(d, 'a3').values.length, 24);
  assert.deepEqual(get(d, 's').values, ['a', 'b"q', null, 'é\n']);
  assert.equal(get(d, 's').type, 'character');
  assert.equal(get(d, 'l').type, 'logical');
  assert.deepEqual(numbers(get(d, 'l')), [1, 0, NaN]);
  const f = get(d, 'f');
  assert.equal(f.type, 'factor');
  assert.deepEqual(f.levels, ['u', 'v']);
  assert.deepEqual(numbers(f), [1, 2, 1]);
  assert.equal(get(d, 'e').values.length, 0);
  assert.equal(get(d, 'big').values.length, 6);
  assert.equal(numbers(get(d, 'big'))[0], -0.62645381074233242);
  assert.deepEqual(numbers(get(d, 'neg')), [-5]);
  assert.equal(get(d, 'neg').integer, true);
  assert.deepEqual(numbers(get(d, 'ints')), [2147483647, -2147483647]);
  assert.deepEqual(get(d, '.RNG.name').values, ['base::Mersenne-Twister']);
  assert.deepEqual(numbers(get(d, 'a')), [-3, -2, -1, 0, 1, 2, 3]);
  assert.equal(get(d, 'a').integer, true);
  assert.equal(get(d, 'b').type, 'integer');
  assert.deepEqual(numbers(get(d, 'b')), [NaN]);
  assert.equal(get(d, 'cc').type, 'double');
  assert.deepEqual(get(d, 'd').values, [null]);
  assert.deepEqual(numbers(get(d, 'fnamed')), [1, 2]);
  assert.deepEqual(get(d, 'g').dim, [2, 2]);
  assert.deepEqual(numbers(get(d, 'h')), [1e15]);
  assert.deepEqual(numbers(get(d, 'j')), [0.30000000000000004]);
  assert.deepEqual(get(d, 'ch0').values, []);
  assert.deepEqual(numbers(get(d, 'my var')), [2]);
  assert.deepEqual(get(d, 'ar1').dim, [3]);
});

test('reads the JAGS dialect: .Dim, quoted names, = assignment, comments, exponents', () => {
  const d = readRDump(
    [
      '# data for JAGS',
      '"N" <- 3L ; M = 2',
      '".RNG.name" <- "base::Wichmann-Hill"',
      "'.RNG.seed' <- 123",
      'y <- c(1.0E-5, 2e+05, 3e5, -4.5e-3, .5, 7.,',
      '       NA)  # trailing comment',
      'X <- structure(.Data = c(1, 2, 3, 4, 5, 6), .Dim = c(3L, 2L))',
      'Z <- structure(c(1L, 2L), .Dim = 2)',
      'h <- 0x1FL',
      'w <- c(TRUE, 1L, 2.5)',
      'v <- c(1, "a", TRUE, NA)',
      't <- c(T, F)',
      'nul <- c()',
      'p <- (1.5)',
      'mixed <- c(1:3, 5)',
    ].join('\n'),
    'd.R',
  );
  assert.deepEqual([...d.keys()], ['N', 'M', '.RNG.name', '.RNG.seed', 'y', 'X', 'Z', 'h', 'w', 'v', 't', 'nul', 'p', 'mixed']);
  assert.deepEqual(numbers(get(d, 'N')), [3]);
  assert.equal(get(d, 'M').line, 2);
  assert.deepEqual(get(d, '.RNG.name').values, ['base::Wichmann-Hill']);
  assert.deepEqual(numbers(get(d, '.RNG.seed')), [123]);
  assert.deepEqual(numbers(get(d, 'y')), [1e-5, 2e5, 3e5, -4.5e-3, 0.5, 7, NaN]);
  assert.equal(get(d, 'y').line, 5);
  assert.deepEqual(get(d, 'X').dim, [3, 2]);
  assert.deepEqual(get(d, 'Z').dim, [2]);
  assert.deepEqual(numbers(get(d, 'h')), [31]);
  assert.equal(get(d, 'h').integer, true);
  // c() coerces as R does: logical < integer < double < character
  assert.equal(get(d, 'w').type, 'double');
  assert.deepEqual(numbers(get(d, 'w')), [1, 1, 2.5]);
  assert.deepEqual(get(d, 'v').values, ['1', 'a', 'TRUE', null]);
  assert.deepEqual(numbers(get(d, 't')), [1, 0]);
  assert.equal(get(d, 'nul').values.length, 0);
  assert.deepEqual(numbers(get(d, 'p')), [1.5]);
  assert.deepEqual(numbers(get(d, 'mixed')), [1, 2, 3, 5]);
  assert.equal(get(d, 'mixed').type, 'double');
});

test('c() of numbers and strings prints integers as integers: 100000L is "100000", 1e5 is "1e+05"', () => {
  // R 4.2.2: c(100000L, "a") is "100000" "a"; c(1e5, "a") is "1e+05" "a"; c(-100000L, "b") is "-100000" "b"
  const d = readRDump('i <- c(100000L, "a")\nx <- c(1e5, "a")\nn <- c(-100000L, "b")\nr <- c(100000:100001, "c")\n', 'd.R');
  assert.deepEqual(get(d, 'i').values, ['100000', 'a']);
  assert.deepEqual(get(d, 'x').values, ['1e+05', 'a']);
  assert.deepEqual(get(d, 'n').values, ['-100000', 'b']);
  assert.deepEqual(get(d, 'r').values, ['100000', '100001', 'c']);
});

test('a dumped data frame becomes one variable per column', () => {
  // R 4.2.2: df <- data.frame(x=c(1.5,2,3), g=factor(c("b","a","b")), s=c("p","q",NA),
  //   l=c(TRUE,NA,FALSE), i=c(1L,NA,3L)); n <- 3L; dump(c("df","n"), ...)
  const text = `df <-
structure(list(x = c(1.5, 2, 3), g = structure(c(2L, 1L, 2L), levels = c("a", 
"b"), class = "factor"), s = c("p", "q", NA), l = c(TRUE, NA, 
FALSE), i = c(1L, NA, 3L)), class = "data.frame", row.names = c(NA, 
-3L))
n <-
3L
`;
  const { table, skipped } = rdumpToTable(readRDump(text, 'df.R'), 'df.R');
  assert.deepEqual(table.names, ['x', 'g', 's', 'l', 'i']);
  assert.equal(table.nrow, 3);
  const g = table.columns.get('g') as FactorColumn;
  assert.deepEqual(g.levels, ['a', 'b']);
  assert.deepEqual(Array.from(g.codes), [1, 0, 1]);
  const s = table.columns.get('s') as FactorColumn;
  assert.deepEqual(Array.from(s.codes), [0, 1, -1]);
  assert.deepEqual(Array.from((table.columns.get('l') as LogicalColumn).values), [1, -1, 0]);
  const i = table.columns.get('i') as NumericColumn;
  assert.equal(i.integer, true);
  assert.deepEqual(skipped, [{ name: 'n', length: 1, reason: 'a single value (length 1)' }]);
});

test("the seed's datadump.R (R's dump of x, y, grp, n, m) loads as a table", () => {
  const path = fixturePath('seed/datadump.R');
  const { table, skipped } = rdumpToTable(readRDump(readFileSync(path, 'utf8'), path), path);
  assert.equal(table.nrow, 800);
  assert.deepEqual([...table.names].sort(), ['grp', 'x', 'y']);
  const grp = table.columns.get('grp') as NumericColumn;
  assert.equal(grp.kind, 'numeric');
  assert.equal(grp.integer, true);
  assert.equal(grp.values[0], 1);
  assert.equal(grp.values[799], 100);
  assert.deepEqual(skipped.map((s) => s.name).sort(), ['m', 'n']);
  // the same data as the seed's CSV copy
  const csv = readFileSync(fixturePath('seed/data.csv'), 'utf8').trim().split('\n').slice(1);
  const x = table.columns.get('x') as NumericColumn;
  assert.equal(csv.length, 800);
  for (const [k, line] of csv.entries()) {
    const xv = Number(line.split(',')[1]);
    assert.ok(Math.abs(x.values[k] - xv) <= 1e-14 * Math.max(1, Math.abs(xv)), `x[${k}]`);
  }
});

test('rdumpToTable: the most common long length wins; others are skipped with a reason', () => {
  const d = readRDump('y <- c(1, 2, 3, 4)\ng <- c("b", "a", "b", NA)\nu <- c(10, 20)\nv <- c(1, 2)\nM <- structure(1:8, .Dim = c(4L, 2L))\nn <- 4L\n', 'd.R');
  const { table, skipped } = rdumpToTable(d, 'd.R');
  assert.deepEqual(table.names, ['y', 'g']);
  assert.deepEqual((table.columns.get('g') as FactorColumn).levels, ['a', 'b']);
  assert.deepEqual(skipped, [
    { name: 'u', length: 2, reason: 'length 2, not 4 like the data columns' },
    { name: 'v', length: 2, reason: 'length 2, not 4 like the data columns' },
    { name: 'M', length: 8, reason: 'a 4 × 2 array, not a column' },
    { name: 'n', length: 1, reason: 'a single value (length 1)' },
  ]);
  // a tie between lengths goes to the longer one
  assert.deepEqual(rdumpToTable(readRDump('a <- 1:2\nb <- 1:3\n', 'd.R'), 'd.R').table.names, ['b']);
  // no vector longer than 1: an error
  assert.throws(() => rdumpToTable(readRDump('n <- 3L\nm <- 2\n', 'd.R'), 'd.R'), (e: unknown) => {
    assert.ok(e instanceof Lmer2JagsError);
    assert.match(e.message, /no variable in d\.R has more than one value/);
    return true;
  });
});

test('error: syntax errors point at line and column with a hint', () => {
  const e1 = dumpError('x <- c(1, 2\ny <- 3');
  assert.equal(e1.message, "expected ',' or ')' in c(...) but found 'y'");
  assert.match(e1.hint ?? '', /the c\( opened at line 1, column 7 is not closed/);
  assert.deepEqual(e1.location, { kind: 'file', path: 'd.R', line: 2, column: 1, lineText: 'y <- 3' });
  assert.ok(e1.hint);
  const e2 = dumpError('x <- "abc\n');
  assert.equal(e2.message, 'unterminated string');
  assert.deepEqual(e2.location, { kind: 'file', path: 'd.R', line: 1, column: 6, lineText: 'x <- "abc' });
  const e3 = dumpError('n <- 3\nx <- rep(1, 3)');
  assert.equal(e3.message, 'unsupported function rep() in R dump data');
  assert.equal(e3.location?.kind === 'file' && e3.location.line, 2);
  const e4 = dumpError('x <- 1e');
  assert.match(e4.message, /malformed number '1e'/);
  const e5 = dumpError('x <- c(1, 2,)');
  assert.match(e5.message, /empty argument/);
  const e6 = dumpError('x 3');
  assert.equal(e6.message, "expected '<-' after x but found '3'");
  const e7 = dumpError('x <- y');
  assert.match(e7.message, /unexpected name 'y'/);
  const e8 = dumpError('x <- 1 + 2');
  assert.match(e8.message, /expected a variable name but found '\+'/);
  const e9 = dumpError('x <- 3 @ 4');
  assert.match(e9.message, /unexpected character '@'/);
  assert.equal(e9.location?.kind === 'file' && e9.location.column, 8);
  const e10 = dumpError('z <- 1i');
  assert.match(e10.message, /complex/);
  const e11 = dumpError('x <- "a\\q"');
  assert.match(e11.message, /unknown escape/);
});

test('error: bad structures, duplicates, BUGS lists, empty files', () => {
  assert.match(dumpError('m <- structure(1:6, .Dim = c(4L, 2L))').message, /the dimensions 4 × 2 make 8 elements but the data has 6/);
  assert.match(dumpError('f <- structure(c(1L, 3L), levels = c("a", "b"), class = "factor")').message, /factor code 3 is outside 1\.\.2/);
  assert.match(dumpError('f <- structure(c(1L, 2L), class = "factor")').message, /needs levels/);
  const dup = dumpError('x <- 1\ny <- 2\nx <- 3');
  assert.equal(dup.message, 'variable x is defined twice: on line 1 and on line 3');
  assert.equal(dup.location?.kind === 'file' && dup.location.line, 3);
  assert.match(dumpError('list(N = 3, y = c(1, 2, 3))').message, /BUGS data list/);
  assert.match(dumpError('L <- list(a = 1)').message, /L is a list/);
  const empty = dumpError('# only a comment\n');
  assert.match(empty.message, /holds no variables/);
  assert.match(dumpError('r <- 1:"a"').message, /the end of a range a:b must be a single number/);
});

test('long vectors parse quickly and exactly', () => {
  const n = 200000;
  const xs = Array.from({ length: n }, (_, i) => Math.sin(i) * 100);
  const text = `y <-\nc(${xs.map((v) => String(v)).join(', ')}\n)\ng <- c(${xs.map((_, i) => `${(i % 50) + 1}L`).join(', ')})\n`;
  const t0 = performance.now();
  const d = readRDump(text, 'big.R');
  const ms = performance.now() - t0;
  assert.deepEqual(numbers(get(d, 'y')), xs);
  assert.equal(get(d, 'g').integer, true);
  assert.ok(ms < 3000, `took ${ms} ms`);
});
