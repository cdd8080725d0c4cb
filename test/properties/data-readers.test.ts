/**
 * The data readers (CSV, JSON, R dump) fail only with Lmer2JagsError, whatever the bytes:
 * random bytes, random text, CSV-shaped token soups, and mutations of the real fixture files.
 * A mutated file that still reads is then built into a model: that fails only with
 * Lmer2JagsError too (non-numeric responses, all-NA columns, one-level factors, …).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type DataFormat, decodeDataBytes, detectFormat, parseDataText } from '../../src/data/read.js';
import type { DataTable } from '../../src/data/table.js';
import { buildModelSpec } from '../../src/model/build.js';
import { fixturePath } from '../helpers/fixtures.js';
import { mutateBytes, mutationArb, onlyUserErrors, params } from './support.js';

const FORMATS: readonly DataFormat[] = ['csv', 'json', 'rdump'];

/** Decode and parse `bytes` as `format` (or sniffed, for null): user errors only. */
function read(bytes: Uint8Array, format: DataFormat | null): DataTable | null {
  const path = format === null ? 'data.txt' : `data.${format === 'rdump' ? 'R' : format}`;
  const r = onlyUserErrors(() => {
    const text = decodeDataBytes(bytes, path);
    return parseDataText(text, path, format ?? detectFormat(path, text)).table;
  });
  if (r.value !== null) checkTable(r.value);
  return r.value;
}

/** A table that reads is well formed: named columns of one length. */
function checkTable(t: DataTable): void {
  assert.ok(t.names.length > 0, 'at least one column');
  assert.equal(new Set(t.names).size, t.names.length, 'column names are unique');
  for (const name of t.names) {
    const c = t.columns.get(name);
    assert.ok(c, `column ${name} exists`);
    const n = c.kind === 'factor' ? c.codes.length : c.values.length;
    assert.equal(n, t.nrow, `column ${name} has ${t.nrow} rows`);
    if (c.kind === 'factor') for (const code of c.codes) assert.ok(code >= -1 && code < c.levels.length, `factor code ${code} of ${name}`);
  }
}

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

/** CSV-ish text: fields, separators, quotes, line ends, numbers, NA, odd white space. */
const csvSoup = fc
  .array(
    fc.constantFrom(',', ',', ',', '\n', '\n', '\r\n', '\r', '"', '""', "'", ' ', '\t', ';', 'NA', '', 'y', 'x', 'g', 'a', 'b', '1', '2.5', '-3', '1e5', '1e-400', '1e400', 'Inf', '-Inf', 'NaN', 'TRUE', 'F', '0x1A', '.', '#', '\ufeff', 'é', '\u0000', '\\'),
    { maxLength: 80 },
  )
  .map((ts) => ts.join(''));

/** JSON-ish text. */
const jsonSoup = fc
  .array(
    fc.constantFrom('[', ']', '{', '}', ',', ':', '"y"', '"g"', '"a"', '1', '-2.5e3', '1e999', 'null', 'true', 'false', '"NA"', '"Inf"', '"NaN"', ' ', '\n', '[]', '{}', '"', '\\'),
    { maxLength: 60 },
  )
  .map((ts) => ts.join(''));

/** R-dump-ish text. */
const rdumpSoup = fc
  .array(
    fc.constantFrom('y', 'x', '"g"', '`z`', ' <- ', ' = ', '<-', 'c(', ')', '(', ', ', '1', '2L', '-', '1:3', 'NA', 'Inf', 'TRUE', 'structure(', '.Dim = ', 'c(2L, 2L)', 'levels = c("a", "b")', 'class = "factor"', 'class = "data.frame"', 'list(', 'row.names = c(NA, -3L)', '\n', '#', '"s"', 'numeric(2)', 'integer(0)', 'NULL'),
    { maxLength: 50 },
  )
  .map((ts) => ts.join(''));

const anyBytes = fc.oneof(
  fc.uint8Array({ maxLength: 400 }),
  fc.string({ unit: 'binary', maxLength: 300 }).map(utf8),
  fc.string({ unit: 'grapheme', maxLength: 300 }).map(utf8),
);

const smallFixtures = ['data/sleepstudy.csv', 'data/Dyestuff.csv', 'data/Pastes.csv', 'data/cbpp.csv', 'data/Penicillin.csv', 'data/cake.csv'].map((f) => ({
  file: f,
  bytes: new Uint8Array(readFileSync(fixturePath(f))),
}));

/** The seed post's R dump, and JSON in both layouts made from sleepstudy. */
const seedDump = new Uint8Array(readFileSync(fixturePath('seed/datadump.R'))).subarray(0, 6000);
const sleepRows = readFileSync(fixturePath('data/sleepstudy.csv'), 'utf8').trim().split('\n');
const sleepHeader = sleepRows[0].replace(/"/g, '').split(',');
const sleepRecords = sleepRows.slice(1, 60).map((r) => Object.fromEntries(r.replace(/"/g, '').split(',').map((v, j) => [sleepHeader[j], j === 2 ? v : Number(v)])));
const jsonRecords = utf8(JSON.stringify(sleepRecords, null, 1));
const jsonColumns = utf8(JSON.stringify(Object.fromEntries(sleepHeader.map((h) => [h, sleepRecords.map((r) => r[h])]))));

const insertion = fc.oneof(
  fc.constantFrom(',', '"', '\n', '\r', 'NA', '', 'abc', '1e400', '\u0000', '\xff', ']', '}', 'null', '"x"', '<-', 'c(', ')', 'L', '-', ' '),
  fc.string({ unit: 'binary', maxLength: 4 }),
);
const mutations = fc.array(mutationArb(insertion), { minLength: 1, maxLength: 5 });

describe('properties: the data readers fail only with Lmer2JagsError', () => {
  it('on arbitrary bytes, in every format and sniffed', () => {
    fc.assert(
      fc.property(anyBytes, fc.constantFrom<DataFormat | null>(...FORMATS, null), (bytes, format) => {
        read(bytes, format);
      }),
      params(3000),
    );
  });

  it('on CSV-, JSON- and R-dump-shaped text', () => {
    fc.assert(fc.property(csvSoup, (s) => void read(utf8(s), 'csv')), params(3000));
    fc.assert(fc.property(jsonSoup, (s) => void read(utf8(s), 'json')), params(1500));
    fc.assert(fc.property(rdumpSoup, (s) => void read(utf8(s), 'rdump')), params(1500));
  });

  it('on mutations of the real CSV files, and what still reads builds a model or fails cleanly', () => {
    let built = 0;
    fc.assert(
      fc.property(fc.constantFrom(...smallFixtures), mutations, ({ file, bytes }, ms) => {
        const table = read(mutateBytes(bytes, ms), 'csv');
        if (table === null || file !== 'data/sleepstudy.csv') return;
        if (onlyUserErrors(() => buildModelSpec('Reaction ~ Days + (Days | Subject)', table)).value !== null) built++;
      }),
      params(1000),
    );
    assert.ok(built > 10, `only ${built} mutated sleepstudy files built a model: the mutations are too destructive to test the model build`);
  });

  it('on mutations of JSON (records and columns) and of the seed R dump', () => {
    fc.assert(
      fc.property(fc.constantFrom(jsonRecords, jsonColumns), mutations, (bytes, ms) => {
        const table = read(mutateBytes(bytes, ms), 'json');
        if (table !== null) onlyUserErrors(() => buildModelSpec('Reaction ~ Days + (1 | Subject)', table));
      }),
      params(400),
    );
    fc.assert(
      fc.property(mutations, (ms) => {
        const table = read(mutateBytes(seedDump, ms), 'rdump');
        if (table !== null) onlyUserErrors(() => buildModelSpec('y ~ x + (x | grp)', table));
      }),
      params(300),
    );
  });
});
