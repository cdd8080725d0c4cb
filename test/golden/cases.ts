/**
 * The golden files: the generated model.jags and names.json of every --param × --cov choice
 * on four fixture models, kept under test/golden/models/<case>/<param>.<cov>/. A choice the
 * converter refuses (--cov uniform-rho on a three-coefficient term) keeps its error message
 * as refused.txt instead. `npm run golden` (regenerate.ts) rewrites them; golden.test.ts
 * compares.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readDataFile } from '../../src/data/read.js';
import { Lmer2JagsError } from '../../src/errors.js';
import { COVARIANCE_FORMS, PARAMETERIZATIONS } from '../../src/jags/names.js';
import { convertModel } from '../../src/jags/render.js';
import { buildModelSpec } from '../../src/model/build.js';
import { packageRoot } from '../../src/paths.js';

export const GOLDEN_DIR = join(packageRoot, 'test', 'golden', 'models');

export interface GoldenCase {
  readonly id: string;
  readonly formula: string;
  /** Relative to fixtures/. */
  readonly data: string;
}

export const GOLDEN_CASES: readonly GoldenCase[] = [
  { id: 'sleepstudy', formula: 'Reaction ~ Days + (Days | Subject)', data: 'data/sleepstudy.csv' },
  { id: 'seed', formula: 'y ~ x + (x | grp)', data: 'seed/datadump.R' },
  { id: 'three-coefficients', formula: 'y ~ x1 + x2 + (1 + x1 + x2 | subj)', data: 'data/sim_groups.csv' },
  // A correlated term and a scalar one, on crossed grouping factors.
  { id: 'crossed-scalar', formula: 'y ~ x1 + (x1 | site) + (1 | rater)', data: 'data/sim_groups.csv' },
];

/** One golden folder's files (name → text), keyed by its path relative to GOLDEN_DIR. */
export async function generateGoldens(): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  for (const c of GOLDEN_CASES) {
    const spec = buildModelSpec(c.formula, await readDataFile(join(packageRoot, 'fixtures', c.data)));
    for (const param of PARAMETERIZATIONS) {
      for (const cov of COVARIANCE_FORMS) {
        const files = new Map<string, string>();
        try {
          const conv = convertModel(spec, { param, cov });
          files.set('model.jags', conv.files.get('model.jags') as string);
          files.set('names.json', conv.files.get('names.json') as string);
        } catch (e) {
          if (!(e instanceof Lmer2JagsError)) throw e;
          files.set('refused.txt', `${e.format()}\n`);
        }
        out.set(`${c.id}/${param}.${cov}`, files);
      }
    }
  }
  return out;
}

/** The golden folders on disk (relative paths) and their files. */
export function storedGoldenFolders(): string[] {
  const found: string[] = [];
  let cases: string[];
  try {
    cases = readdirSync(GOLDEN_DIR);
  } catch {
    return found;
  }
  for (const c of cases.sort()) {
    const p = join(GOLDEN_DIR, c);
    if (!statSync(p).isDirectory()) continue;
    for (const choice of readdirSync(p).sort()) if (statSync(join(p, choice)).isDirectory()) found.push(`${c}/${choice}`);
  }
  return found;
}
