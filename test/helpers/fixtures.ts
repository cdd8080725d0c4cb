/** Reading the lme4 reference fixtures (fixtures/, made by fixtures/make-fixtures.R). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';

export const fixturesDir = join(packageRoot, 'fixtures');

export function fixturePath(rel: string): string {
  return join(fixturesDir, rel);
}

/** Every JSON file of a fixtures sub-folder, parsed, sorted by file name. */
export function loadFixtures<T>(folder: string): (T & { file: string })[] {
  const dir = join(fixturesDir, folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ ...(JSON.parse(readFileSync(join(dir, f), 'utf8')) as T), file: f }));
}

/** |a - b| <= tol * max(1, |b|), elementwise, with a message naming what differs. */
export function assertClose(actual: ArrayLike<number>, expected: readonly (number | null)[], tol: number, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    if (e === null) {
      if (!Number.isNaN(a)) throw new Error(`${what}[${i}]: ${a}, expected NA`);
      continue;
    }
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) {
      throw new Error(`${what}[${i}]: ${a}, expected ${e} (tolerance ${tol})`);
    }
  }
}
