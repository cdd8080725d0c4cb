/**
 * test/bad-inputs.md names real tests: every test title in its tables occurs in the test file
 * the row names (or, for the lme4 rejection fixtures, is a fixture in fixtures/parse-errors).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../src/paths.js';

const testDir = join(packageRoot, 'test');
const table = readFileSync(join(testDir, 'bad-inputs.md'), 'utf8');

/** Table rows with a test file column: [bad input, files, test titles]. */
function rows(): { files: string[]; titles: string[]; line: string }[] {
  const out: { files: string[]; titles: string[]; line: string }[] = [];
  for (const line of table.split('\n')) {
    const cells = line
      .replace(/\\\|/g, '\u0000')
      .split('|')
      .map((c) => c.replace(/\u0000/g, '|').trim());
    if (cells.length !== 5 || !cells[2].includes('.test.ts')) continue;
    const files = [...cells[2].matchAll(/`([^`]+\.test\.ts)`/g)].map((m) => m[1]);
    const titles = cells[3].split(/; | · /).map((t) => t.trim()).filter((t) => t !== '');
    out.push({ files, titles, line });
  }
  return out;
}

/** The text of a test file as its titles appear in it (escaped quotes undone). */
function source(file: string): string {
  return readFileSync(join(testDir, file), 'utf8').replace(/\\'/g, "'");
}

function fixtureTitle(title: string): boolean {
  const m = /^([a-z0-9-]+): (.*)$/.exec(title);
  if (!m) return false;
  const f = join(packageRoot, 'fixtures', 'parse-errors', `${m[1]}.json`);
  return existsSync(f) && (JSON.parse(readFileSync(f, 'utf8')) as { formula: string }).formula === m[2];
}

describe('test/bad-inputs.md', () => {
  it('lists at least 50 tests, in files that exist', () => {
    const all = rows();
    assert.ok(all.reduce((n, r) => n + r.titles.length, 0) >= 50);
    for (const r of all) for (const f of r.files) assert.ok(existsSync(join(testDir, f)), `${f} (in: ${r.line})`);
  });
  it('names only tests that exist in the files of their row', () => {
    for (const r of rows()) {
      const sources = r.files.map(source);
      for (const title of r.titles) {
        const found = sources.some((s) => s.includes(`'${title}'`) || s.includes(`"${title}"`) || s.includes(`\`${title}\``)) || fixtureTitle(title);
        assert.ok(found, `no test titled "${title}" in ${r.files.join(', ')}`);
      }
    }
  });
});
