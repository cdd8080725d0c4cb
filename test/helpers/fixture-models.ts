/**
 * The fixture models the whole-pipeline tests run: every formula of fixtures/parse, then every
 * lme4 model of fixtures/lmer that is not one of them (weights, offsets and ML fits included),
 * with the model description built from its data.
 */
import { readDataFile } from '../../src/data/read.js';
import type { DataTable } from '../../src/data/table.js';
import { buildModelSpec } from '../../src/model/build.js';
import type { ModelSpec } from '../../src/model/spec.js';
import { fixturePath, loadFixtures } from './fixtures.js';

export interface FixtureModel {
  /** The parse fixture's id, or `lmer:<id>` for an lme4 model of its own. */
  readonly id: string;
  readonly formula: string;
  readonly data: string;
  readonly weights: string | null;
  readonly offset: string | null;
  readonly REML: boolean;
  /** lme4's fixed effects, where an lme4 fixture fits this model (the last one that does). */
  readonly fixef: Readonly<Record<string, number>> | null;
}

interface LmerFixture {
  id: string;
  formula: string;
  data: string;
  weights: string | null;
  offsetArg: string | null;
  REML: boolean;
  fixef: Record<string, number>;
}

/**
 * The list; with `byMethod`, an lme4 model fitted by ML counts as different from the same
 * formula by REML (verify compares against the fit's own method).
 */
export function fixtureModels(options: { readonly byMethod?: boolean } = {}): FixtureModel[] {
  const parse = loadFixtures<{ id: string; formula: string; data: string }>('parse');
  const lmer = loadFixtures<LmerFixture>('lmer');
  const key = (c: { formula: string; data: string; weights: string | null; offset: string | null; REML: boolean }) =>
    JSON.stringify([c.formula, c.data.replace(/^data\//, ''), c.weights, c.offset, ...(options.byMethod ? [c.REML] : [])]);
  const asModel = (l: LmerFixture): FixtureModel => ({
    id: `lmer:${l.id}`, formula: l.formula, data: l.data, weights: l.weights, offset: l.offsetArg, REML: l.REML, fixef: l.fixef,
  });
  const refs = new Map(lmer.map((l) => [key({ ...asModel(l), REML: true }), l]));
  const out: FixtureModel[] = parse.map((p) => {
    const c = { id: p.id, formula: p.formula, data: p.data, weights: null, offset: null, REML: true };
    return { ...c, fixef: refs.get(key(c))?.fixef ?? null };
  });
  const seen = new Set(out.map(key));
  for (const l of lmer) {
    const c = asModel(l);
    if (!seen.has(key(c))) out.push(c);
  }
  return out;
}

const tables = new Map<string, Promise<DataTable>>();

/** The model description of a fixture model (each data file read once per test file). */
export async function fixtureSpec(m: FixtureModel): Promise<ModelSpec> {
  if (!tables.has(m.data)) tables.set(m.data, readDataFile(fixturePath(m.data)));
  return buildModelSpec(m.formula, await (tables.get(m.data) as Promise<DataTable>), {
    ...(m.weights ? { weights: m.weights } : {}),
    ...(m.offset ? { offset: m.offset } : {}),
  });
}
