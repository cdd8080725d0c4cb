import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { VerifyReport } from '../../src/verify/compare.js';
import { density, renderReport, type ReportInput } from '../../src/verify/report.js';
import { packageRoot } from '../../src/paths.js';
import { HAVE_CHROMIUM, launchChromium, NO_CHROMIUM } from '../helpers/chromium.js';
import { tempDir } from '../helpers/cli.js';

/** A deterministic pseudo-random stream, so the report's plots are the same every run. */
function draws(n: number, mean: number, sd: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return Float64Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

const report: VerifyReport = {
  verdict: 'differ',
  rows: [
    { quantity: 'fixef', name: '(Intercept)', node: 'mu.a', lmer: 0.6555, bayes: 0.6579, statistic: { kind: 'z', value: 0.024 }, tolerance: 0.7, ok: true, rule: '|posterior mean − fixef| / posterior SD ≤ 0.7' },
    { quantity: 'corr', name: 'grp: (Intercept) ~ x', node: '(none)', lmer: 0.9, bayes: 0, statistic: { kind: 'difference', value: 0.9 }, tolerance: 0.14, ok: false, rule: 'no correlation in the model', reason: 'the model draws the effects independently' },
  ],
  reasons: ['corr grp: the model draws the effects independently'],
  convergence: { ok: true, maxRhat: 1.002, minEssBulk: 950, minEssTail: 900, problems: [], warnings: [] },
};

function input(): ReportInput {
  return {
    title: 'lmer2jags verify',
    formula: 'y ~ x + (x | grp)',
    data: 'fixtures/seed/datadump.R',
    settings: [['engine', 'bundled'], ['chains', '4']],
    report,
    coefficients: [
      {
        title: 'grp: (Intercept) (fixef + ranef)',
        points: Array.from({ length: 40 }, (_, j) => ({ level: String(j + 1), lmer: j / 10, mean: j / 10 + 0.01, lo: j / 10 - 0.3, hi: j / 10 + 0.3 })),
      },
    ],
    densities: [{ title: 'grp: (Intercept) SD', node: 'sigma.a', draws: draws(4000, 1.1, 0.1, 1), estimate: 1.08, estimateLabel: 'REML 1.08' }],
    traces: [{ title: 'mu.a', node: 'mu.a', chains: [draws(1000, 0.65, 0.1, 2), draws(1000, 0.65, 0.1, 3)] }],
  };
}

describe('verify report (HTML)', () => {
  it('is one self-contained file: inline SVG plots, no scripts, no network', async () => {
    const html = await renderReport(input());
    assert.match(html, /^<!doctype html>/);
    assert.equal((html.match(/<svg /g) ?? []).length, 3);
    assert.doesNotMatch(html, /<script|<link |src="http|href="http/);
    assert.match(html, /discrepancies found/);
    assert.match(html, /the model draws the effects independently/);
  });
  it('a density integrates to 1', () => {
    const d = density(draws(5000, 2, 0.5, 7));
    let area = 0;
    for (let i = 1; i < d.length; i++) area += ((d[i].density + d[i - 1].density) / 2) * (d[i].x - d[i - 1].x);
    assert.ok(Math.abs(area - 1) < 0.02, `area ${area}`);
  });
  it('renders in headless Chromium: the plots draw, and a screenshot is saved', async (t) => {
    if (!HAVE_CHROMIUM) return t.skip(NO_CHROMIUM);
    const dir = tempDir();
    const file = join(dir, 'report.html');
    writeFileSync(file, await renderReport(input()));
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
      await page.goto(`file://${file}`);
      for (const cls of ['coefficient-plot', 'density-plot', 'trace-plot']) {
        const box = await page.locator(`.${cls} svg`).first().boundingBox();
        assert.ok(box && box.width > 200 && box.height > 100, `${cls} has a size`);
        const marks = await page.locator(`.${cls} svg path, .${cls} svg line`).count();
        assert.ok(marks > 5, `${cls} drew marks (${marks})`);
      }
      assert.equal(await page.locator('#comparison tbody tr').count(), 2);
      const shots = join(packageRoot, 'dist', 'screenshots');
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, 'report.png'), fullPage: true });
      assert.ok(existsSync(join(shots, 'report.png')));
    } finally {
      await browser.close();
    }
  });
});
