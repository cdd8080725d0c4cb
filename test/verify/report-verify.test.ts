/**
 * `verify --report` on a real model (sleepstudy, Reaction ~ Days + (Days | Subject), short
 * run), opened in headless Chromium: the verdict and the table are there with one row per
 * comparison, and every plot drew: lmer's group coefficients against the posterior means (one
 * per coefficient node, one point and one interval per subject), the density of each SD with
 * lmer's estimate marked, and the trace of each hyperparameter. A screenshot is saved to
 * dist/screenshots/verify-report.png. About 7 s.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../../src/paths.js';
import { HAVE_CHROMIUM, launchChromium, NO_CHROMIUM } from '../helpers/chromium.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';

describe('verify --report on a real model, in headless Chromium', () => {
  it('writes one self-contained file whose table and plots render', async (t) => {
    const dir = tempDir();
    const file = join(dir, 'sleep.html');
    const r = await runCli([
      'verify', 'Reaction ~ Days + (Days | Subject)', '--data', fixturePath('data/sleepstudy.csv'),
      '--chains', '4', '--burnin', '500', '--iter', '1000', '--report', file, '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { rows: unknown[]; verdict: string };
    assert.match(r.stderr, /wrote the report/);
    const html = readFileSync(file, 'utf8');
    assert.doesNotMatch(html, /<script|<link |src="http|href="http/, 'self-contained');
    assert.match(html, /lmer and the posterior agree/);
    if (!HAVE_CHROMIUM) return t.skip(NO_CHROMIUM);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
      await page.goto(`file://${file}`);
      assert.equal(await page.locator('#verdict.agree').count(), 1);
      assert.equal(await page.locator('#comparison tbody tr').count(), out.rows.length);
      const counts: Record<string, number> = { 'coefficient-plot': 2, 'density-plot': 3, 'trace-plot': 6 };
      for (const [cls, n] of Object.entries(counts)) {
        assert.equal(await page.locator(`.${cls} svg`).count(), n, `${n} ${cls}s`);
        for (let i = 0; i < n; i++) {
          const svg = page.locator(`.${cls} svg`).nth(i);
          const box = await svg.boundingBox();
          assert.ok(box && box.width > 200 && box.height > 100, `${cls} ${i} has a size`);
          assert.ok((await svg.locator('path, line').count()) > 5, `${cls} ${i} drew marks`);
        }
      }
      // 18 subjects: 18 intervals and 18 points in each coefficient plot.
      const first = page.locator('.coefficient-plot svg').first();
      assert.ok((await first.locator('.mark-rule path, .mark-rule line').count()) >= 18, 'one interval per subject');
      assert.ok((await first.locator('.mark-symbol path').count()) >= 18, 'one point per subject');
      // The density plots mark lmer's estimate with its label.
      assert.match(await page.locator('.density-plot').first().innerText(), /REML \d/);
      const shots = join(packageRoot, 'dist', 'screenshots');
      mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: join(shots, 'verify-report.png'), fullPage: true });
      assert.ok(existsSync(join(shots, 'verify-report.png')));
    } finally {
      await browser.close();
    }
  });
});
