import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileReadError, readData, readDataFile, sniffFormat } from '../../src/data/read.js';
import type { FactorColumn, LogicalColumn, NumericColumn } from '../../src/data/table.js';
import { isMissing } from '../../src/data/table.js';
import { Lmer2JagsError } from '../../src/errors.js';
import { fixturePath } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'lmer2jags-read-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

async function readError(path: string): Promise<Lmer2JagsError> {
  try {
    await readDataFile(path);
  } catch (e) {
    assert.ok(e instanceof Lmer2JagsError, `expected Lmer2JagsError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    return e;
  }
  assert.fail(`expected an error reading ${path}`);
}

const CSV = 'y,g\n1.5,a\n2.5,b\n';
const JSON_RECORDS = '[{"y": 1.5, "g": "a"}, {"y": 2.5, "g": "b"}]';
const RDUMP = 'y <-\nc(1.5, 2.5)\ng <- c("a", "b")\nn <- 2L\n';

test('dispatches on the extension and sniffs .txt and unknown extensions', async () => {
  const cases: [string, string, string][] = [
    ['d.csv', CSV, 'csv'],
    ['d.json', JSON_RECORDS, 'json'],
    ['d.R', RDUMP, 'rdump'],
    ['d.r', RDUMP, 'rdump'],
    ['d.dump', RDUMP, 'rdump'],
    ['csv.txt', CSV, 'csv'],
    ['json.txt', JSON_RECORDS, 'json'],
    ['dump.txt', RDUMP, 'rdump'],
    ['noext', `# comment\n${RDUMP}`, 'rdump'],
    ['d.dat', CSV, 'csv'],
  ];
  for (const [name, content, format] of cases) {
    const r = await readData(file(name, content));
    assert.equal(r.format, format, name);
    assert.equal(r.table.nrow, 2, name);
    const y = r.table.columns.get('y') as NumericColumn;
    assert.deepEqual(Array.from(y.values), [1.5, 2.5], name);
    const g = r.table.columns.get('g') as FactorColumn;
    assert.deepEqual(g.levels, ['a', 'b'], name);
  }
  const dump = await readData(join(dir, 'd.R'));
  assert.deepEqual(dump.notes, ['n is not a data column: a single value (length 1)']);
  const csv = await readDataFile(join(dir, 'd.csv'));
  assert.equal(csv.lineOf?.(1), 3);
  assert.equal(csv.source, join(dir, 'd.csv'));
});

test('sniffFormat', () => {
  assert.equal(sniffFormat('  [1]'), 'json');
  assert.equal(sniffFormat('\ufeff{"a": [1]}'), 'json');
  assert.equal(sniffFormat('"x" <- 1'), 'rdump');
  assert.equal(sniffFormat('`my var` = c(1, 2)'), 'rdump');
  assert.equal(sniffFormat('.RNG.seed <- 1'), 'rdump');
  assert.equal(sniffFormat('list(N = 2)'), 'rdump');
  assert.equal(sniffFormat('"x","y"\n1,2\n'), 'csv');
  assert.equal(sniffFormat('a,b==c\n1,2\n'), 'csv');
  assert.equal(sniffFormat('y\n1\n'), 'csv');
});

test('error: missing file, with a near name as hint', async () => {
  file('sleepstudy.csv', CSV);
  const e = await readError(join(dir, 'sleepstudy.cvs'));
  assert.equal(e.message, `no such file: ${join(dir, 'sleepstudy.cvs')}`);
  assert.deepEqual(e.location, { kind: 'file', path: join(dir, 'sleepstudy.cvs') });
  assert.match(e.hint ?? '', /did you mean ".*sleepstudy\.csv"/);
  const e2 = await readError(join(dir, 'no-such-dir', 'x.csv'));
  assert.match(e2.message, /^no such file: /);
  assert.match(e2.hint ?? '', /check the path/);
});

test('error: a directory', async () => {
  const sub = join(dir, 'folder.csv');
  mkdirSync(sub, { recursive: true });
  const e = await readError(sub);
  assert.equal(e.message, `${sub} is a directory, not a data file`);
});

test('error: an unreadable file', async (t) => {
  if (process.getuid?.() === 0) {
    t.skip('running as root: permissions do not stop root from reading');
    return;
  }
  const p = file('secret.csv', CSV);
  chmodSync(p, 0o000);
  const e = await readError(p);
  assert.equal(e.message, `cannot read ${p}: permission denied`);
  chmodSync(p, 0o644);
});

test('error mapping for permission and other read failures', async () => {
  const eacces = await fileReadError('/data/x.csv', Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
  assert.equal(eacces.message, 'cannot read /data/x.csv: permission denied');
  assert.deepEqual(eacces.location, { kind: 'file', path: '/data/x.csv' });
  assert.match(eacces.hint ?? '', /chmod/);
  const eio = await fileReadError('/data/x.csv', Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
  assert.equal(eio.message, 'cannot read /data/x.csv: EIO: i/o error, read');
  assert.ok(eio.hint);
});

test('error: empty files', async () => {
  assert.match((await readError(file('empty.csv', ''))).message, /is empty \(0 bytes\)/);
  assert.match((await readError(file('blank.csv', '\n\n'))).message, /is empty: there is no header line/);
  assert.match((await readError(file('blank.json', '  \n'))).message, /is empty/);
  assert.match((await readError(file('blank.R', '# nothing\n'))).message, /holds no variables/);
});

test('error: binary files look binary', async () => {
  const nul = await readError(file('nul.csv', Uint8Array.from([0x61, 0x2c, 0x62, 0x0a, 0x31, 0x00, 0x32])));
  assert.match(nul.message, /looks binary: it contains a NUL byte at byte 6/);
  let state = 12345;
  const noise = Uint8Array.from({ length: 4096 }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 16) & 0xff || 1;
  });
  assert.match((await readError(file('noise.csv', noise))).message, /looks binary/);
  const zip = await readError(file('data.xlsx.csv', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00])));
  assert.match(zip.message, /looks binary: it is a ZIP archive \(an Excel \.xlsx workbook\?\)/);
  assert.match(zip.hint ?? '', /CSV/);
  const rds = await readError(file('d.rds', Uint8Array.from([0x1f, 0x8b, 0x08, 0x00])));
  assert.match(rds.message, /gzip/);
  const utf16 = await readError(file('u16.csv', Uint8Array.from([0xff, 0xfe, 0x61, 0x00, 0x0a, 0x00])));
  assert.match(utf16.message, /UTF-16/);
});

test('error: text that is not UTF-8 names the line', async () => {
  // Latin-1 "Müller" on line 3 of an otherwise ASCII file
  const bytes = Uint8Array.from([...Buffer.from('name,y\nAnna,1\nM'), 0xfc, ...Buffer.from('ller,2\n')]);
  const e = await readError(file('latin1.csv', bytes));
  assert.equal(e.message, `${join(dir, 'latin1.csv')} is not valid UTF-8: line 3 has a byte that is not UTF-8 (0xFC)`);
  assert.equal(e.location?.kind === 'file' && e.location.line, 3);
  assert.equal(e.location?.kind === 'file' && e.location.column, 2);
  assert.match(e.hint ?? '', /Latin-1/);
  // far into the file it is still the encoding message, with the right line
  const long = Buffer.concat([Buffer.from('y\n' + '1\n'.repeat(6000)), Buffer.from([0xe9, 0x0a])]);
  const e2 = await readError(file('late.csv', long));
  assert.match(e2.message, /line 6002 has a byte that is not UTF-8/);
});

test('every CSV in fixtures/data loads, typed as R reads it', async () => {
  const files = readdirSync(fixturePath('data')).filter((f) => f.endsWith('.csv'));
  assert.ok(files.length >= 5);
  for (const f of files) {
    const t = await readDataFile(fixturePath(`data/${f}`));
    assert.ok(t.nrow > 0, f);
  }
  // fixtures/R/data.R checks these classes with read.csv(check.names = FALSE) in R 4.2.2
  const t = await readDataFile(fixturePath('data/sim_types.csv'));
  assert.equal(t.nrow, 240);
  const kind: Record<string, string> = {
    id: 'integer', y: 'numeric', x: 'numeric', f: 'character', lot: 'character', treated: 'logical',
    'my var': 'numeric', 'z.score': 'numeric', dose_mg: 'integer', u1: 'integer', u2: 'integer',
    exposure: 'numeric', w: 'numeric', g: 'character', h: 'integer',
  };
  for (const [name, cls] of Object.entries(kind)) {
    const c = t.columns.get(name);
    assert.ok(c, name);
    const got = c.kind === 'numeric' ? (c.integer ? 'integer' : 'numeric') : c.kind === 'factor' ? 'character' : c.kind;
    assert.equal(got, cls, name);
  }
  const missing = (name: string): number => {
    const c = t.columns.get(name);
    assert.ok(c);
    let k = 0;
    for (let i = 0; i < t.nrow; i++) if (isMissing(c, i)) k++;
    return k;
  };
  // stopifnot(sum(is.na(rb$y)) == 5, sum(is.na(rb$x)) == 4, sum(is.na(rb$f)) == 2, ...)
  assert.deepEqual(['y', 'x', 'f', 'treated', 'g', 'h'].map(missing), [5, 4, 2, 2, 2, 4]);
  assert.deepEqual((t.columns.get('f') as FactorColumn).levels, ['a', 'B', 'c', 'D']);
  assert.deepEqual((t.columns.get('lot') as FactorColumn).levels, ['07', '10', '9', 'x']);
  assert.equal((t.columns.get('treated') as LogicalColumn).values.length, 240);
  // rows keep their file lines (row 31 is on line 32)
  assert.equal(t.lineOf?.(30), 32);
});
