import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NumberStatus, numberStatus, parseCsv, parseRNumber } from '../../src/data/csv.js';
import type { Column, DataTable, FactorColumn, LogicalColumn, NumericColumn } from '../../src/data/table.js';
import { Lmer2JagsError } from '../../src/errors.js';

const table = (text: string): DataTable => parseCsv(text, 'd.csv').table;

function col(t: DataTable, name: string): Column {
  const c = t.columns.get(name);
  assert.ok(c, `column ${name} missing; have ${t.names.join(', ')}`);
  return c;
}
function num(t: DataTable, name: string): NumericColumn {
  const c = col(t, name);
  assert.equal(c.kind, 'numeric', `${name} is ${c.kind}`);
  return c as NumericColumn;
}
function fac(t: DataTable, name: string): FactorColumn {
  const c = col(t, name);
  assert.equal(c.kind, 'factor', `${name} is ${c.kind}`);
  return c as FactorColumn;
}
function lgl(t: DataTable, name: string): LogicalColumn {
  const c = col(t, name);
  assert.equal(c.kind, 'logical', `${name} is ${c.kind}`);
  return c as LogicalColumn;
}
/** Factor values as strings, null for NA. */
const strings = (f: FactorColumn): (string | null)[] => Array.from(f.codes, (k) => (k < 0 ? null : f.levels[k]));
/** Numbers with NaN shown as null (deepEqual treats NaN fine, this keeps messages readable). */
const nums = (c: NumericColumn): (number | null)[] => Array.from(c.values, (v) => (Number.isNaN(v) ? null : v));

function csvError(text: string): Lmer2JagsError {
  try {
    parseCsv(text, 'd.csv');
  } catch (e) {
    assert.ok(e instanceof Lmer2JagsError, `expected Lmer2JagsError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

test('column typing follows read.csv + type.convert (answers from R 4.2.2)', () => {
  // R 4.2.2: str(read.csv(text = ...)) gives
  //   int: int 1 2 NA -4; dbl: num 1.5 NA 0.001 -0.5; lgl: logi TRUE FALSE NA TRUE;
  //   chr: chr "b" "B" "a" ""; hex: num 26 16 NA 1; inf: num Inf -Inf NaN Inf;
  //   allna: logi NA NA NA NA; ws: num 3 4 NA 5; quotednum: int 12 3 NA NA;
  //   mixed: chr "1" "true" "2" NA
  const t = table(
    'int,dbl,lgl,chr,hex,inf,allna,ws,quotednum,mixed\n' +
      '1,1.5,T,b,0x1A,Inf,,  3 ,"12",1\n' +
      '2,,F,B,0x10,-inf,NA,4,"3",true\n' +
      'NA,1e-3,,a,,NaN,,,"NA",2\n' +
      '-4,-.5,TRUE,,1,infinity,,5,"",NA\n',
  );
  assert.equal(t.nrow, 4);
  assert.deepEqual(t.names, ['int', 'dbl', 'lgl', 'chr', 'hex', 'inf', 'allna', 'ws', 'quotednum', 'mixed']);
  assert.deepEqual(nums(num(t, 'int')), [1, 2, null, -4]);
  assert.equal(num(t, 'int').integer, true);
  assert.deepEqual(nums(num(t, 'dbl')), [1.5, null, 0.001, -0.5]);
  assert.equal(num(t, 'dbl').integer, false);
  assert.deepEqual(Array.from(lgl(t, 'lgl').values), [1, 0, -1, 1]);
  assert.deepEqual(strings(fac(t, 'chr')), ['b', 'B', 'a', '']);
  assert.deepEqual(fac(t, 'chr').levels, ['', 'a', 'b', 'B']); // levels(factor(d$chr)) in R
  assert.deepEqual(nums(num(t, 'hex')), [26, 16, null, 1]);
  assert.equal(num(t, 'hex').integer, false);
  assert.deepEqual(Array.from(num(t, 'inf').values), [Infinity, -Infinity, NaN, Infinity]);
  assert.deepEqual(Array.from(lgl(t, 'allna').values), [-1, -1, -1, -1]);
  assert.deepEqual(nums(num(t, 'ws')), [3, 4, null, 5]);
  assert.equal(num(t, 'ws').integer, false); // "  3 " has a trailing blank: R reads a double
  assert.deepEqual(nums(num(t, 'quotednum')), [12, 3, null, null]);
  assert.equal(num(t, 'quotednum').integer, true);
  assert.deepEqual(strings(fac(t, 'mixed')), ['1', 'true', '2', null]);
  assert.deepEqual(fac(t, 'mixed').levels, ['1', '2', 'true']);
});

test('logical columns: only T, F, TRUE, FALSE (R 4.2.2 reads true/false/True as character)', () => {
  assert.deepEqual(Array.from(lgl(table('a\nT\nF\nTRUE\nFALSE\n'), 'a').values), [1, 0, 1, 0]);
  // R: type.convert(c("true","false")) and c("True","FALSE") are character
  assert.deepEqual(fac(table('a\ntrue\nfalse\n'), 'a').levels, ['false', 'true']);
  assert.equal(col(table('a\nTrue\nFALSE\n'), 'a').kind, 'factor');
  // " T" (a leading blank) is not logical in R either
  assert.equal(col(table('a,b\n T,1\nF,2\n'), 'a').kind, 'factor');
  // blanks are missing in a logical column
  assert.deepEqual(Array.from(lgl(table('a,b\nT,1\n,2\n  ,3\nF,4\n'), 'a').values), [1, -1, -1, 0]);
});

test('R number syntax: what type.convert accepts (table checked with R 4.2.2)', () => {
  // [field, value or null for "not a number", R reads an integer]
  const cases: [string, number | null, boolean][] = [
    ['1', 1, true],
    ['-1', -1, true],
    ['+1', 1, true],
    ['01', 1, true],
    [' 1', 1, true],
    ['1 ', 1, false],
    ['2147483647', 2147483647, true],
    ['2147483648', 2147483648, false],
    ['-2147483648', -2147483648, false],
    ['1.', 1, false],
    ['.5', 0.5, false],
    ['-.5', -0.5, false],
    ['+.5', 0.5, false],
    ['1e5', 1e5, false],
    ['1E5', 1e5, false],
    ['1e+5', 1e5, false],
    ['1e-5', 1e-5, false],
    ['1.e5', 1e5, false],
    ['1e', 1, false],
    ['1e+', 1, false],
    ['1.5e', 1.5, false],
    ['0x1A', 26, false],
    ['0X1a', 26, false],
    ['-0x10', -16, false],
    ['0x1p3', 8, false],
    ['0x1.8p1', 3, false],
    ['0x1.8', 24, false], // R ignores the point without a p exponent
    ['0x.', 0, false],
    ['0x1p', 1, false],
    ['0x1p-1', 0.5, false],
    ['0x1e3', 0x1e3, false],
    ['Inf', Infinity, false],
    ['inf', Infinity, false],
    ['INF', Infinity, false],
    ['-inf', -Infinity, false],
    ['+Inf', Infinity, false],
    ['Infinity', Infinity, false],
    ['-infinity', -Infinity, false],
    ['NaN', NaN, false],
    ['nan', NaN, false],
    ['nAN', NaN, false],
    ['-NAN', NaN, false],
    ['NaN ', NaN, false],
    ['12345678901234567890', 12345678901234567890, false],
    ['1e400', Infinity, false],
    ['1e-400', 0, false],
    ['4.9e-324', 4.9e-324, false],
    ['0.1', 0.1, false],
    ['00.5', 0.5, false],
    ['1e0005', 1e5, false],
    ['NAN', null, false],
    ['NAn', null, false],
    [' NA', null, false],
    ['NA ', null, false],
    ['-NA', null, false],
    ['infinit', null, false],
    ['Infx', null, false],
    ['.', null, false],
    ['-.', null, false],
    ['+', null, false],
    ['-', null, false],
    ['e5', null, false],
    ['.e5', null, false],
    ['1e5.5', null, false],
    ['1ee5', null, false],
    ['1..2', null, false],
    ['--1', null, false],
    ['- 1', null, false],
    ['1 2', null, false],
    ['0x', null, false],
    ['0xg', null, false],
    ['0x1e+3', null, false],
    ['0x10L', null, false],
    ['1L', null, false],
    ['1i', null, false],
    ['1d5', null, false],
    ['1f', null, false],
    ['1,5', null, false],
    ['1_000', null, false],
    ['TRUE', null, false],
  ];
  for (const [field, value, integer] of cases) {
    const v = parseRNumber(field, 0, field.length);
    if (value === null) {
      assert.equal(numberStatus, NumberStatus.invalid, `${JSON.stringify(field)} should not be a number`);
      continue;
    }
    assert.notEqual(numberStatus, NumberStatus.invalid, `${JSON.stringify(field)} should be a number`);
    assert.ok(Object.is(v, value) || (Number.isNaN(v) && Number.isNaN(value)), `${JSON.stringify(field)}: got ${v}, want ${value}`);
    assert.equal(numberStatus === NumberStatus.integer, integer, `${JSON.stringify(field)}: integer should be ${integer}`);
  }
  parseRNumber('  ', 0, 2);
  assert.equal(numberStatus, NumberStatus.blank);
  // offsets: only the given slice is read
  assert.equal(parseRNumber('x,12.5,y', 2, 6), 12.5);
});

test('numbers are parsed correctly rounded, also beyond the fast path', () => {
  for (const s of ['0.30000000000000004', '123456789012345678', '9007199254740993', '1.7976931348623157e308', '2.2250738585072014e-308', '0.000001234', '-0.6264538107423324', '3.14159265358979323846', '1e23', '8.589973e9']) {
    assert.equal(parseRNumber(s, 0, s.length), Number(s), s);
  }
});

test('NA handling: NA and empty fields', () => {
  const t = table('x,s,q\n1,a,"NA"\nNA,NA,b\n,,""\n3," ",c\n');
  assert.deepEqual(nums(num(t, 'x')), [1, null, null, 3]);
  // character column: NA is NA, an empty field stays "" and blanks stay blanks (as in R)
  assert.deepEqual(strings(fac(t, 's')), ['a', null, '', ' ']);
  // a quoted "NA" is NA too
  assert.deepEqual(strings(fac(t, 'q')), [null, 'b', '', 'c']);
  // " NA" is not NA: the column becomes a factor in R as well
  assert.deepEqual(strings(fac(table('x\n1\n NA\n'), 'x')), ['1', ' NA']);
});

test('quoting: embedded commas, quotes, line breaks; quotes inside fields as R reads them', () => {
  const t = table('a,b\n1,"x, y"\n2,"say ""hi"""\n3,"two\nlines"\n4,"ab"c\n5,"crlf\r\ninside"\n');
  assert.deepEqual(strings(fac(t, 'b')), ['x, y', 'say "hi"', 'two\nlines', 'abc', 'crlf\ninside']);
  assert.deepEqual(nums(num(t, 'a')), [1, 2, 3, 4, 5]);
  // quoted header names keep their blanks; unquoted ones are trimmed (R with check.names = FALSE)
  assert.deepEqual(table(' a ," b ",c\n1,2,3\n').names, ['a', ' b ', 'c']);
});

test('line ends: LF, CRLF, CR, no final newline, blank lines, byte-order mark', () => {
  const expected = [1, 3];
  for (const text of ['a,b\n1,2\n3,4\n', 'a,b\r\n1,2\r\n3,4\r\n', 'a,b\r1,2\r3,4', 'a,b\n1,2\n3,4', '\ufeffa,b\n1,2\n\n\n3,4\n\n', '\na,b\n1,2\n   \n3,4\n']) {
    const t = table(text);
    assert.deepEqual(t.names, ['a', 'b'], JSON.stringify(text));
    assert.deepEqual(nums(num(t, 'a')), expected, JSON.stringify(text));
    assert.deepEqual(nums(num(t, 'b')), [2, 4], JSON.stringify(text));
  }
  // with one column a line of blanks is a value (NA in a numeric column), as in R
  assert.deepEqual(nums(num(table('a\n1\n  \n2\n'), 'a')), [1, null, 2]);
});

test('factor levels come in R order (levels(factor(x)) from R 4.2.2)', () => {
  const t = table('name,grp\nZoe,b\nadam,a\nÉmile,A\n_x,B\n10,a b\n9,ab\n');
  assert.deepEqual(fac(t, 'name').levels, ['_x', '10', '9', 'adam', 'Émile', 'Zoe']);
  assert.deepEqual(fac(t, 'grp').levels, ['a', 'A', 'a b', 'ab', 'b', 'B']);
  assert.deepEqual(strings(fac(t, 'grp')), ['b', 'a', 'A', 'B', 'a b', 'ab']);
});

test('header names: kept as written, empty and repeated names fixed like make.unique', () => {
  const r = parseCsv('my var,a,,a,a.1,a\n1,2,3,4,5,6\n', 'd.csv');
  // R: make.unique(c("a","a","a.1","a")) is "a" "a.2" "a.1" "a.3"; an empty name is "X"
  assert.deepEqual(r.table.names, ['my var', 'a', 'X', 'a.2', 'a.1', 'a.3']);
  assert.equal(r.notes.length, 3);
  assert.match(r.notes[0], /column 3 has no name/);
  assert.match(r.notes[1], /column 4 repeats the name "a"; calling it "a.2"/);
});

test('a header one field short means row names (write.table(sep = ",")), as read.csv does', () => {
  const r = parseCsv('"a","b"\n"r1",1,x\n"r2",3,y\n', 'd.csv');
  assert.deepEqual(r.table.names, ['a', 'b']);
  assert.deepEqual(nums(num(r.table, 'a')), [1, 3]);
  assert.deepEqual(strings(fac(r.table, 'b')), ['x', 'y']);
  assert.match(r.notes[0], /row names/);
});

test('lineOf gives the file line of each row, across blank lines and quoted line breaks', () => {
  const t = table('a,b\n1,x\n\n2,"multi\nline"\n3,z\r\n\r\n4,w');
  assert.equal(t.nrow, 4);
  assert.ok(t.lineOf);
  assert.deepEqual([0, 1, 2, 3].map((i) => t.lineOf?.(i)), [2, 4, 6, 8]);
});

test('error: a row with too many fields names the line and points at the extra field', () => {
  const e = csvError('a,b,c\n1,2,3\n4,5,6,7\n');
  assert.equal(e.message, 'line 3 has 4 fields but the header has 3');
  assert.deepEqual(e.location, { kind: 'file', path: 'd.csv', line: 3, column: 7, lineText: '4,5,6,7' });
  assert.match(e.hint ?? '', /quoted/);
  assert.equal(e.exitCode, 2);
});

test('error: a row with too few fields', () => {
  const e = csvError('a,b,c\n1,2,3\n\n4,5\n7,8,9\n');
  assert.equal(e.message, 'line 4 has 2 fields but the header has 3');
  assert.equal(e.location?.kind, 'file');
  if (e.location?.kind === 'file') {
    assert.equal(e.location.line, 4);
    assert.equal(e.location.lineText, '4,5');
  }
  assert.match(e.hint ?? '', /NA/);
});

test('error: a stray quote that swallows lines gets a hint about quotes', () => {
  const e = csvError('a,b\n1,"x\n2,y\n3,"z,w\n4,v\n');
  assert.equal(e.message, 'line 2 has 3 fields but the header has 2');
  assert.match(e.hint ?? '', /quoted field in this row runs over several lines/);
});

test('error: an unterminated quote reports the line where it opened', () => {
  const e = csvError('a,b\n1,x\n2,"open\nstill open\n3,z\n');
  assert.equal(e.message, 'unterminated quoted field: the quote opened at line 3 is never closed');
  assert.deepEqual(e.location, { kind: 'file', path: 'd.csv', line: 3, column: 3, lineText: '2,"open' });
  // a quote opened inside a field counts too
  const e2 = csvError('a,b\n1,ab"c\n');
  assert.match(e2.message, /opened at line 2/);
});

test('error: empty text, header without rows, trailing commas, tab-separated', () => {
  assert.match(csvError('').message, /is empty/);
  assert.match(csvError('\n\n  \n').message, /is empty/);
  const noRows = csvError('a,b\n');
  assert.equal(noRows.message, 'd.csv has a header line but no data rows');
  const trailing = csvError('a,b\n1,2,\n3,4,\n');
  assert.match(trailing.message, /extra empty field at the end \(line 2 has 3 fields but the header has 2\)/);
  assert.match(trailing.hint ?? '', /trailing comma/);
  const tsv = csvError('a\tb\n1\t2\n');
  assert.match(tsv.message, /tab-separated/);
});

test('error messages format with a code frame', () => {
  const text = csvError('a,b\n1,2\n3,4,5\n').format();
  assert.match(text, /^error: line 3 has 3 fields but the header has 2/);
  assert.match(text, /--> d\.csv:3:5/);
  assert.match(text, /3 \| 3,4,5/);
});

test('large numeric files go through the fast path with correct values', () => {
  const rows = 20000;
  let text = 'y,x,g\n';
  const ys: number[] = [];
  for (let i = 0; i < rows; i++) {
    const y = Math.sin(i) * 1000;
    ys.push(Number(y.toFixed(9)));
    text += `${y.toFixed(9)},${(i / 7).toExponential(6)},${i % 97}\n`;
  }
  const t = table(text);
  assert.equal(t.nrow, rows);
  assert.deepEqual(Array.from(num(t, 'y').values), ys);
  assert.equal(num(t, 'x').values[700], Number((700 / 7).toExponential(6)));
  assert.equal(num(t, 'g').integer, true);
  assert.equal(t.lineOf?.(rows - 1), rows + 1);
});
