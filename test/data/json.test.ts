import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonData } from '../../src/data/json.js';
import type { Column, DataTable, FactorColumn, LogicalColumn, NumericColumn } from '../../src/data/table.js';
import { Lmer2JagsError } from '../../src/errors.js';

const parse = (text: string): DataTable => parseJsonData(text, 'd.json');

function col(t: DataTable, name: string): Column {
  const c = t.columns.get(name);
  assert.ok(c, `column ${name} missing; have ${t.names.join(', ')}`);
  return c;
}
const nums = (c: Column): (number | null)[] => {
  assert.equal(c.kind, 'numeric', `${c.name} is ${c.kind}`);
  return Array.from((c as NumericColumn).values, (v) => (Number.isNaN(v) ? null : v));
};
const strings = (c: Column): (string | null)[] => {
  assert.equal(c.kind, 'factor', `${c.name} is ${c.kind}`);
  const f = c as FactorColumn;
  return Array.from(f.codes, (k) => (k < 0 ? null : f.levels[k]));
};
const logicals = (c: Column): number[] => {
  assert.equal(c.kind, 'logical', `${c.name} is ${c.kind}`);
  return Array.from((c as LogicalColumn).values);
};

function jsonError(text: string): Lmer2JagsError {
  try {
    parse(text);
  } catch (e) {
    assert.ok(e instanceof Lmer2JagsError, `expected Lmer2JagsError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

test('records: numbers, strings, booleans, null and missing keys', () => {
  const t = parse('[{"y": 1.5, "g": "b", "ok": true}, {"y": null, "g": "a"}, {"g": "B", "ok": false, "n": 3}]');
  assert.equal(t.nrow, 3);
  assert.deepEqual(t.names, ['y', 'g', 'ok', 'n']);
  assert.deepEqual(nums(col(t, 'y')), [1.5, null, null]);
  assert.equal((col(t, 'y') as NumericColumn).integer, false);
  assert.deepEqual(strings(col(t, 'g')), ['b', 'a', 'B']);
  assert.deepEqual((col(t, 'g') as FactorColumn).levels, ['a', 'b', 'B']);
  assert.deepEqual(logicals(col(t, 'ok')), [1, -1, 0]);
  assert.deepEqual(nums(col(t, 'n')), [null, null, 3]);
  assert.equal((col(t, 'n') as NumericColumn).integer, true);
  assert.equal(t.source, 'd.json');
});

test('columns layout', () => {
  const t = parse('{"y": [1, 2, null], "g": ["a", null, "b"], "l": [null, null, null]}');
  assert.deepEqual(nums(col(t, 'y')), [1, 2, null]);
  assert.deepEqual(strings(col(t, 'g')), ['a', null, 'b']);
  assert.deepEqual(logicals(col(t, 'l')), [-1, -1, -1]);
});

test("mixed types coerce as jsonlite / R's c() do", () => {
  // jsonlite 1.8 in R 4.2.2: fromJSON('{"y":[1,"x"]}') is chr "1" "x";
  // '{"y":[1.5,true]}' is num 1.5 1; '{"y":["a",true,1.5]}' is chr "a" "TRUE" "1.5"
  assert.deepEqual(strings(col(parse('{"y": [1, "x"]}'), 'y')), ['1', 'x']);
  assert.deepEqual(nums(col(parse('{"y": [1.5, true]}'), 'y')), [1.5, 1]);
  assert.deepEqual(strings(col(parse('{"y": ["a", true, 1.5]}'), 'y')), ['a', 'TRUE', '1.5']);
  // toJSON writes NA/Inf/NaN inside numbers as strings; fromJSON reads them back as numbers
  // ('{"y":[1,"NA",3,"Inf","-Inf","NaN"]}' is num 1 NA 3 Inf -Inf NaN)
  const special = (col(parse('{"y": [1, "NA", 3, "Inf", "-Inf", "NaN"]}'), 'y') as NumericColumn).values;
  assert.deepEqual(Array.from(special), [1, NaN, 3, Infinity, -Infinity, NaN]);
  // '{"y":[true,"NA"]}' is logi TRUE NA; '{"y":["NA","NA"]}' is logi NA NA
  assert.deepEqual(logicals(col(parse('{"y": [true, "NA"]}'), 'y')), [1, -1]);
  assert.deepEqual(logicals(col(parse('{"y": ["NA", "NA"]}'), 'y')), [-1, -1]);
  // among ordinary strings "NA" stays a string, as in jsonlite ('["NA","x"]' is chr "NA" "x")
  assert.deepEqual(strings(col(parse('[{"g": "NA"}, {"g": "x"}]'), 'g')), ['NA', 'x']);
  // numbers written as strings stay strings (jsonlite does not convert them)
  assert.equal(col(parse('[{"g": "1"}, {"g": "2"}]'), 'g').kind, 'factor');
});

test("jsonlite's own toJSON output reads back", () => {
  // R 4.2.2: toJSON(data.frame(y=c(1,NA,3), g=c("a",NA,"b"), f=factor(c("u",NA,"v")), l=c(TRUE,NA,FALSE)))
  const records = parse('[{"y":1,"g":"a","f":"u","l":true},{},{"y":3,"g":"b","f":"v","l":false}]');
  assert.equal(records.nrow, 3);
  assert.deepEqual(nums(col(records, 'y')), [1, null, 3]);
  assert.deepEqual(strings(col(records, 'f')), ['u', null, 'v']);
  assert.deepEqual(logicals(col(records, 'l')), [1, -1, 0]);
  // ... and with dataframe = "columns"
  const columns = parse('{"y":[1,"NA",3],"g":["a",null,"b"],"f":["u",null,"v"],"l":[true,null,false]}');
  assert.deepEqual(nums(col(columns, 'y')), [1, null, 3]);
  assert.deepEqual(strings(col(columns, 'g')), ['a', null, 'b']);
});

test('error: invalid JSON names line and column', () => {
  const e = jsonError('[\n  {"y": 1},\n  {"y": 2,}\n]');
  assert.match(e.message, /^invalid JSON: /);
  assert.deepEqual(e.location, { kind: 'file', path: 'd.json', line: 3, column: 11, lineText: '  {"y": 2,}' });
  const e2 = jsonError('[{"y": 1}]\n[{"y": 2}]');
  assert.match(e2.message, /unexpected text after the JSON value/);
  assert.equal(e2.location?.kind === 'file' && e2.location.line, 2);
  const e3 = jsonError('[{"y": 1}, {"y": tru}]');
  assert.equal(e3.location?.kind === 'file' && e3.location.column, 18);
  const e4 = jsonError('[{"y": "abc}]');
  assert.match(e4.message, /string/);
  const e5 = jsonError('[{"y": 1},');
  assert.equal(e5.location?.kind === 'file' && e5.location.column, 11);
  assert.match(jsonError('').message, /is empty/);
});

test('error: top level must be an array of records or an object of columns', () => {
  assert.match(jsonError('42').message, /the JSON value is a number, not a data set/);
  assert.match(jsonError('"abc"').message, /is a string/);
  assert.match(jsonError('null').message, /is a null/);
  assert.match(jsonError('[]').message, /empty array: there are no records/);
  assert.match(jsonError('{}').message, /empty object/);
  const e = jsonError('[\n  {"y": 1},\n  [1, 2]\n]');
  assert.equal(e.message, 'record 2 of the top-level array is an array, not an object of named values');
  assert.equal(e.location?.kind === 'file' && e.location.line, 3);
});

test('error: nested values point at their line', () => {
  const e = jsonError('[\n  {"y": 1, "g": "a"},\n  {"y": 2, "g": {"name": "b"}}\n]');
  assert.equal(e.message, 'record 2, "g" is an object; nested values are not supported');
  assert.deepEqual(e.location, { kind: 'file', path: 'd.json', line: 3, column: 17, lineText: '  {"y": 2, "g": {"name": "b"}}' });
  const e2 = jsonError('{"y": [1, [2, 3]]}');
  assert.match(e2.message, /column "y", element 2 is an array/);
  assert.equal(e2.location?.kind === 'file' && e2.location.column, 11);
});

test('error: columns of different lengths, non-array columns, empty names', () => {
  const e = jsonError('{"y": [1, 2, 3],\n "g": ["a", "b"]}');
  assert.equal(e.message, 'column "g" has 2 values but column "y" has 3');
  assert.equal(e.location?.kind === 'file' && e.location.line, 2);
  assert.match(jsonError('{"y": [1, 2], "n": 2}').message, /column "n" is the number 2, not an array/);
  assert.match(jsonError('[{"": 1}]').message, /empty name/);
  assert.match(jsonError('{"y": []}').message, /no observations/);
});
