/**
 * writeConversion's safety: a folder that already holds any file of a conversion is refused
 * unless `force` is set, before anything is touched (bytes, mtimes and the folder's listing
 * stay as they were); other files in the folder never matter and are never touched; every
 * file is written under a temporary name and renamed over its target (so a hard link to an
 * old file keeps the old content, and a failure leaves the old files and no temporary ones).
 */
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readDataFile } from '../../src/data/read.js';
import { Lmer2JagsError } from '../../src/errors.js';
import { convertModel } from '../../src/jags/render.js';
import { existingConversionFiles, writeConversion } from '../../src/jags/write.js';
import { buildModelSpec } from '../../src/model/build.js';
import { fixturePath } from '../helpers/fixtures.js';
import { tempDir } from './jags-run.js';

const spec = buildModelSpec('Reaction ~ Days + (Days | Subject)', await readDataFile(fixturePath('data/sleepstudy.csv')));
const four = convertModel(spec, { chains: 4 });
const two = convertModel(spec, { chains: 2, seed: 9 });

const PAST = new Date('2020-01-02T03:04:05Z');

/** Every file in `dir` with its bytes and mtime. */
function snapshot(dir: string): Map<string, { bytes: string; mtimeMs: number }> {
  const out = new Map<string, { bytes: string; mtimeMs: number }>();
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    const st = statSync(p);
    out.set(f, { bytes: st.isDirectory() ? '<dir>' : readFileSync(p, 'latin1'), mtimeMs: st.mtimeMs });
  }
  return out;
}

function put(dir: string, name: string, text: string): void {
  writeFileSync(join(dir, name), text);
  utimesSync(join(dir, name), PAST, PAST);
}

describe('writeConversion', () => {
  it('refuses a folder holding any one conversion file without force, and touches nothing', async () => {
    for (const name of ['model.jags', 'data.R', 'run.cmd', 'names.json', 'inits1.R', 'inits17.R']) {
      const { dir, cleanup } = tempDir();
      try {
        put(dir, name, `hand-written ${name}\n`);
        put(dir, 'notes.txt', 'my notes\n');
        const before = snapshot(dir);
        await assert.rejects(writeConversion(dir, four.files), (e: unknown) => {
          assert.ok(e instanceof Lmer2JagsError);
          assert.match(e.message, new RegExp(`already holds a conversion \\(${name.replace('.', '\\.')}\\); nothing was written`));
          assert.match(e.hint ?? '', /--force/);
          return true;
        });
        assert.deepEqual(snapshot(dir), before, `${name}: bytes, mtimes and the listing are unchanged`);
      } finally {
        cleanup();
      }
    }
  });

  it('writes into a new or a foreign folder, leaving other files alone', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const fresh = join(dir, 'a', 'b');
      const paths = await writeConversion(fresh, four.files);
      assert.deepEqual(paths, [...four.files.keys()].map((f) => join(fresh, f)));
      for (const [f, text] of four.files) assert.equal(readFileSync(join(fresh, f), 'utf8'), text);
      assert.deepEqual(readdirSync(fresh).sort(), [...four.files.keys()].sort(), 'no temporary file left');
      // CODA output, notes and a model of another name are not conversion files.
      const foreign = join(dir, 'foreign');
      mkdirSync(foreign);
      for (const f of ['notes.txt', 'CODAchain1.txt', 'CODAindex.txt', 'model.bug', 'inits.R', 'data.csv']) put(foreign, f, `${f}\n`);
      assert.deepEqual(await existingConversionFiles(foreign), []);
      const before = snapshot(foreign);
      await writeConversion(foreign, four.files);
      const after = snapshot(foreign);
      for (const [f, v] of before) assert.deepEqual(after.get(f), v, `${f} untouched`);
      assert.equal(after.size, before.size + four.files.size);
    } finally {
      cleanup();
    }
  });

  it('with force: replaces the files by renaming, removes stale inits, keeps other files', async () => {
    const { dir, cleanup } = tempDir();
    try {
      await writeConversion(dir, four.files);
      put(dir, 'notes.txt', 'my notes\n');
      // A hard link to the old model: a rename puts a new file in place, the link keeps the old text.
      linkSync(join(dir, 'model.jags'), join(dir, 'old-model.link'));
      const oldModel = readFileSync(join(dir, 'model.jags'), 'utf8');
      await writeConversion(dir, two.files, { force: true });
      assert.deepEqual(readdirSync(dir).sort(), [...two.files.keys(), 'notes.txt', 'old-model.link'].sort(), 'inits3.R and inits4.R removed, nothing else');
      for (const [f, text] of two.files) assert.equal(readFileSync(join(dir, f), 'utf8'), text);
      assert.equal(readFileSync(join(dir, 'old-model.link'), 'utf8'), oldModel, 'the old file was replaced, not rewritten in place');
      assert.notEqual(statSync(join(dir, 'model.jags')).ino, statSync(join(dir, 'old-model.link')).ino);
      assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'my notes\n');
    } finally {
      cleanup();
    }
  });

  it('with force, a folder where a conversion file goes is refused before anything is written', async () => {
    const { dir, cleanup } = tempDir();
    try {
      await writeConversion(dir, four.files);
      // Replace names.json by a folder of that name.
      const target = join(dir, 'names.json');
      rmSync(target);
      mkdirSync(target);
      for (const f of readdirSync(dir)) utimesSync(join(dir, f), PAST, PAST);
      const before = snapshot(dir);
      await assert.rejects(writeConversion(dir, two.files, { force: true }), /names\.json is a folder, where the conversion writes a file; nothing was written/);
      assert.deepEqual(snapshot(dir), before);
    } finally {
      cleanup();
    }
  });

  it('refuses an output path that is a file, an empty one, and file names with a path', async () => {
    const { dir, cleanup } = tempDir();
    try {
      put(dir, 'x', 'a file\n');
      await assert.rejects(writeConversion(join(dir, 'x'), four.files), /is a file, not a folder/);
      await assert.rejects(writeConversion(join(dir, 'x', 'sub'), four.files), (e: unknown) => e instanceof Lmer2JagsError && /not a folder/.test(e.hint ?? ''));
      await assert.rejects(writeConversion('', four.files), /--out needs a folder name/);
      await assert.rejects(writeConversion(dir, new Map([['../evil.jags', '']])), /not a plain file name/);
      assert.deepEqual(readdirSync(dir), ['x']);
    } finally {
      cleanup();
    }
  });
});
