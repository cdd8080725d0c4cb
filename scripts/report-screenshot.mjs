// Makes docs/report.png, the README's picture of the verify report: runs `lmer2jags demo` in a
// temporary folder and photographs the top of its demo-report.html (verdict, table, the group
// coefficient plots) in headless Chromium. Run after `npm run build`:
//   node scripts/report-screenshot.mjs [out.png]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'docs', 'report.png'));
const dir = mkdtempSync(join(tmpdir(), 'lmer2jags-shot-'));
try {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'lmer2jags'), 'demo', '--quiet'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    process.exit(r.status ?? 3);
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1000 }, deviceScaleFactor: 1 });
    await page.goto(`file://${join(dir, 'demo-report.html')}`);
    const plots = await page.locator('.coefficient-plot').first().boundingBox();
    const height = Math.ceil((plots?.y ?? 1500) + (plots?.height ?? 300) + 20);
    mkdirSync(dirname(out), { recursive: true });
    await page.screenshot({ path: out, clip: { x: 0, y: 0, width: 1100, height }, fullPage: true });
    process.stdout.write(`wrote ${out} (1100 × ${height})\n`);
  } finally {
    await browser.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
