/**
 * The classic BUGS examples of fixtures/bugs-examples (Rats, Dyes, Seeds, Surgical) in both
 * engines, from the same folders: the bundled engine must agree with JAGS by the rule of
 * agreement.ts (means within 4 combined MCSEs, SDs within 10% where both runs estimate them to
 * 2.5%; every monitored node), and both must reproduce JAGS's published benchmark means
 * (fixtures/bugs-examples/README.md) by the example suite's own rule: within 0.15 posterior SDs.
 *
 * JAGS runs each folder exactly as it is (a copy of it), and the bundled engine the same files;
 * the folders' run lengths are long enough for the SD check on every node. A failing node gets
 * one independent rerun (seeds shifted, the sampling `update` 4 times longer) that must pass,
 * as in agreement-fixtures.test.ts.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixturePath } from '../helpers/fixtures.js';
import { HAVE_JAGS } from '../jags/jags-run.js';
import { type NodeStats, compareSamples, runBothEngines } from './agreement.js';

const EXAMPLES = ['rats', 'dyes', 'seeds', 'surgical'];

/** JAGS's benchmark posterior means and SDs (its classic-bugs suite, bench-test1.R). */
const BENCHMARK: Readonly<Record<string, Readonly<Record<string, readonly [number, number]>>>> = {
  rats: { alpha0: [106.395475, 3.599737], 'beta.c': [6.186341, 0.108802] },
  dyes: { theta: [1527.56852, 21.39528], 'sigma2.within': [3042.44998, 1066.22808], 'f.between': [0.334603, 0.241399] },
  seeds: { alpha0: [-0.549307, 0.192312], alpha1: [0.080769, 0.309519], alpha2: [1.343255, 0.263667], alpha12: [-0.818495, 0.432421], sigma: [0.281663, 0.140700] },
  surgical: {},
};

/** A copy of the example folder; unless k = 1, its last `update` runs k times as long. */
function copyExample(name: string, k: number, seedShift: number): string {
  const dir = mkdtempSync(join(tmpdir(), `lmer2jags-classic-${name}-`));
  cpSync(fixturePath(join('bugs-examples', name)), dir, { recursive: true });
  if (k === 1 && seedShift === 0) return dir;
  const path = join(dir, 'run.cmd');
  const lines = readFileSync(path, 'utf8').split('\n');
  const last = lines.map((l, i) => (/^update \d+\s*$/.test(l) ? i : -1)).filter((i) => i >= 0).pop();
  assert.ok(last !== undefined, `${name}/run.cmd has no update`);
  lines[last] = `update ${Number(lines[last].split(/\s+/)[1]) * k}`;
  writeFileSync(path, lines.join('\n'));
  if (seedShift !== 0) {
    for (const f of ['inits1.R', 'inits2.R']) {
      const p = join(dir, f);
      writeFileSync(p, readFileSync(p, 'utf8').replace(/(".RNG.seed" <- )(\d+)/, (_, a: string, s: string) => `${a}${Number(s) + seedShift}`));
    }
  }
  return dir;
}

async function runBoth(name: string, k: number, seedShift: number): Promise<{ jags: Map<string, NodeStats>; ours: Map<string, NodeStats> }> {
  return runBothEngines(copyExample(name, k, seedShift), copyExample(name, k, seedShift));
}

describe('the classic BUGS examples agree in both engines and with JAGS\'s benchmark', { concurrency: 2 }, () => {
  for (const name of EXAMPLES) {
    it(name, HAVE_JAGS ? {} : { skip: 'jags is not installed' }, async (t) => {
      let { jags, ours } = await runBoth(name, 1, 0);
      let verdicts = compareSamples(ours, jags);
      const short = (vs: typeof verdicts) => vs.filter((v) => v.sdPrecision > 0 && !v.sdJudged);
      if (verdicts.some((v) => !v.ok) || short(verdicts).length > 0) {
        t.diagnostic(`run 1: ${verdicts.filter((v) => !v.ok).map((v) => v.why).join(' | ')} ${short(verdicts).map((v) => v.name).join(', ')}; run 2, 4 times longer`);
        ({ jags, ours } = await runBoth(name, 4, 7));
        verdicts = compareSamples(ours, jags);
      }
      const bad = verdicts.filter((v) => !v.ok);
      assert.equal(bad.length, 0, bad.map((v) => v.why).join('\n'));
      const left = short(verdicts);
      assert.equal(left.length, 0, `SDs too imprecise to judge: ${left.map((v) => `${v.name} (${(100 * v.sdPrecision).toFixed(1)}%)`).join(', ')}`);
      for (const [node, [m, sd]] of Object.entries(BENCHMARK[name])) {
        for (const [engine, stats] of [['JAGS', jags], ['bundled engine', ours]] as const) {
          const s = stats.get(node);
          assert.ok(s, `${engine}: no draws of ${node}`);
          assert.ok(Math.abs(s.mean - m) <= 0.15 * sd, `${engine}: ${node} mean ${s.mean} is ${(Math.abs(s.mean - m) / sd).toFixed(3)} SDs from JAGS's benchmark ${m} (0.15 allowed)`);
        }
      }
      const worst = verdicts.reduce((w, v) => (Math.abs(v.z) > Math.abs(w.z) ? v : w));
      t.diagnostic(`${verdicts.length} nodes; largest |z| ${Math.abs(worst.z).toFixed(2)} (${worst.name})`);
    });
  }
});
