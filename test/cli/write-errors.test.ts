/**
 * Writing output files when it cannot succeed: a folder as the path, places even root cannot
 * write, a folder without permission, the file-size limit hit mid-write, a full disk. Each
 * exits 2 with one message, and leaves no partial file behind (an old file keeps its content).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, tempDir } from '../helpers/cli.js';
import { NOBODY, assertBadInput, canRunAsNobody, expectBadInput, isRoot, runCliAs, runCliWithFileLimit } from '../helpers/bad-input.js';

describe('bad input: writing output (simulate --out)', { concurrency: true }, () => {
  it('an output path that is a folder is refused and the folder is untouched', async () => {
    const dir = tempDir();
    const r = await runCli(['simulate', '--groups', '3', '--per-group', '2', '--out', dir]);
    assertBadInput(r, /is a folder, not a file; nothing was written/, /give a file name/);
    assert.deepEqual(readdirSync(dir), []);
  });
  it('a path under /proc or /sys, where even root cannot create files: exit 2, nothing left', async () => {
    for (const out of ['/proc/lmer2jags-test.csv', '/sys/lmer2jags-test.csv']) {
      const r = await runCli(['simulate', '--groups', '3', '--per-group', '2', '--out', out]);
      assertBadInput(r, /cannot write --out .*lmer2jags-test\.csv: .*nothing was written/);
      assert.throws(() => statSync(out));
      const parent = out.startsWith('/proc') ? '/proc' : '/sys';
      assert.deepEqual(readdirSync(parent).filter((f) => f.includes('lmer2jags')), []);
    }
  });
  it('a folder without write permission (for real: run as nobody when root)', async (t) => {
    const dir = tempDir();
    chmodSync(dir, isRoot ? 0o755 : 0o555);
    const out = join(dir, 'data.csv');
    const args = ['simulate', '--groups', '3', '--per-group', '2', '--out', out];
    if (isRoot && !(await canRunAsNobody())) return t.skip('user nobody cannot run lmer2jags from this checkout');
    const r = isRoot ? await runCliAs(NOBODY, args) : await runCli(args);
    assertBadInput(r, /permission denied; nothing was written/, /permission/);
    assert.deepEqual(readdirSync(dir), []);
  });
  it('the file-size limit hit in the middle of writing: no partial file, and an old file keeps its content', () => {
    const dir = tempDir();
    const out = join(dir, 'data.csv');
    writeFileSync(out, 'old content\n');
    // 2000 groups of 8 is about 800 kB of CSV; the limit is 64 kB.
    const r = runCliWithFileLimit(64, ['simulate', '--groups', '2000', '--per-group', '8', '--out', out]);
    assertBadInput(r, /larger than this system allows/);
    assert.deepEqual(readdirSync(dir), ['data.csv'], 'no temporary file left behind');
    assert.equal(readFileSync(out, 'utf8'), 'old content\n');
  });
  it('a full disk (a /dev/full device node): "the disk is full", and the device is not replaced', async (t) => {
    if (!isRoot) return t.skip('making a device node needs root');
    const dir = tempDir();
    const full = join(dir, 'full');
    const mk = spawnSync('mknod', [full, 'c', '1', '7']);
    if (mk.status !== 0) return t.skip(`mknod failed: ${mk.stderr}`);
    const r = await runCli(['simulate', '--groups', '3', '--per-group', '2', '--out', full]);
    assertBadInput(r, /the disk is full; nothing was written/, /free some space/);
    assert.ok(lstatSync(full).isCharacterDevice(), 'still the device, not a regular file');
    assert.deepEqual(readdirSync(dir), ['full']);
  });
  it('an empty --out path', async () => {
    await expectBadInput(['simulate', '--out', ''], /--out needs a file name/);
  });
  it('nonsense sizes: too many rows, and data that would overflow', async () => {
    await expectBadInput(['simulate', '--groups', '1e9'], /the most simulate makes is 10000000/);
    await expectBadInput(['simulate', '--groups', '3', '--per-group', '2', '--scale', '1e308', '--shift', '1e308'], /y overflows/);
  });
});

describe('writing output: what works', () => {
  it('writes through a symbolic link, which stays a link', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'real'));
    const target = join(dir, 'real', 'data.csv');
    writeFileSync(target, 'old\n');
    const link = join(dir, 'link.csv');
    symlinkSync(target, link);
    const r = await runCli(['simulate', '--groups', '3', '--per-group', '2', '--out', link]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.match(readFileSync(target, 'utf8'), /^"y","x","grp"\n/);
    assert.deepEqual(readdirSync(join(dir, 'real')), ['data.csv']);
  });
});
