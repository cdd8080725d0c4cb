/**
 * The CSV reader's fast path (files of plain numbers) gives exactly the table of the general
 * scanner: the same columns, values to the bit, integer flags, names, notes and line numbers;
 * anything it does not handle falls back to the general scanner.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv } from '../../src/data/csv.js';
import type { DataTable } from '../../src/data/table.js';
import { fixturesDir } from '../helpers/fixtures.js';

function same(a: DataTable, b: DataTable, what: string): void {
  assert.deepEqual(a.names, b.names, what);
  assert.equal(a.nrow, b.nrow, what);
  for (const name of a.names) {
    const x = a.columns.get(name);
    const y = b.columns.get(name);
    assert.ok(x && y, `${what}: ${name}`);
    assert.equal(x.kind, y.kind, `${what}: ${name}`);
    if (x.kind === 'numeric' && y.kind === 'numeric') {
      assert.equal(x.integer, y.integer, `${what}: ${name} integer`);
      for (let i = 0; i < x.values.length; i++) {
        if (!Object.is(x.values[i], y.values[i])) assert.fail(`${what}: ${name}[${i}] ${x.values[i]} vs ${y.values[i]}`);
      }
    } else assert.deepEqual(x, y, `${what}: ${name}`);
  }
  for (const r of [0, a.nrow - 1]) assert.equal(a.lineOf?.(r), b.lineOf?.(r), `${what}: line of row ${r}`);
}

function both(text: string, what: string): DataTable {
  const fast = parseCsv(text, what);
  const general = parseCsv(text, what, { general: true });
  same(fast.table, general.table, what);
  assert.deepEqual(fast.notes, general.notes, what);
  return fast.table;
}

test('the fast path reads every fixture CSV exactly as the general scanner', () => {
  const files = [
    ...readdirSync(join(fixturesDir, 'data')).map((f) => join(fixturesDir, 'data', f)),
    join(fixturesDir, 'seed', 'data.csv'),
  ].filter((f) => f.endsWith('.csv'));
  assert.ok(files.length >= 10);
  for (const f of files) both(readFileSync(f, 'utf8'), f);
});

test('the fast path parses numbers as parseRNumber does, to the bit', () => {
  let state = 12345;
  const rand = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const forms = [
    (): string => String(Math.floor(rand() * 1e6) - 5e5),
    (): string => String((rand() - 0.5) * 10 ** Math.floor(rand() * 30 - 15)),
    (): string => (rand() * 100).toFixed(Math.floor(rand() * 18)),
    (): string => `${(rand() * 10).toFixed(3)}e${Math.floor(rand() * 60 - 30)}`,
    (): string => `-0${rand() < 0.5 ? '' : '.0'}`,
    (): string => `+${Math.floor(rand() * 1000)}`,
    (): string => '1234567890123456789',
    (): string => '0.000000000000000000123456789012345678',
    (): string => '2147483648',
    (): string => '-2147483647',
    (): string => '.5',
    (): string => '5.',
    (): string => '1E+05',
  ];
  const rows: string[] = [];
  for (let r = 0; r < 2000; r++) rows.push([0, 1, 2].map(() => forms[Math.floor(rand() * forms.length)]()).join(','));
  const t = both(`a,b,c\n${rows.join('\n')}\n`, 'random numbers');
  assert.equal(t.nrow, 2000);
  // Integer columns stay integer; CRLF line ends, no final line end, trailing empty lines.
  const ints = both('"x","y"\r\n1,2\r\n3,-4\r\n', 'CRLF');
  assert.deepEqual(
    ints.names.map((n) => (ints.columns.get(n) as { integer: boolean }).integer),
    [true, true],
  );
  both('x,y\n1,2\n3,4', 'no final line end');
  both('x,y\n1,2\n3,4\n\n\n', 'trailing empty lines');
  both('\uFEFFx,x\n1.5,2\n3,4\n', 'byte-order mark and a repeated name');
});

test('what the fast path does not handle goes to the general scanner, with the same result', () => {
  for (const [text, what] of [
    ['x,y\n1,NA\n3,4\n', 'NA'],
    ['x,y\n1,\n3,4\n', 'empty field'],
    ['x,y\n1, 2\n3,4\n', 'blank in a field'],
    ['x,y\n1,"2"\n3,4\n', 'quoted number'],
    ['x,y\n1,2\n\n3,4\n', 'empty line inside'],
    ['x,y\n1,a\n3,b\n', 'strings'],
    ['x,y\n1,1e\n3,4\n', "exponent without digits (R reads 1e as 1)"],
    ['x,y\n1,0x1A\n3,4\n', 'hexadecimal'],
    ['x,y\n1,Inf\n3,4\n', 'Inf'],
    ['"a\nb",y\n1,2\n3,4\n', 'a line break in a quoted name'],
  ] as const) {
    both(text, what);
  }
  // Row names (one header name fewer than the data fields) are the general reader's.
  const rn = parseCsv('x,y\n"1",5,6\n"2",7,8\n', 'row names');
  assert.deepEqual(rn.table.names, ['x', 'y']);
  assert.throws(() => parseCsv('x,y\n1,2,3\n4,5\n', 'ragged'), /line 2 has 3 fields/);
});
