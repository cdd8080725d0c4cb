/**
 * `npm run golden`: rewrites the golden files under test/golden/models from the current
 * templates and code, removes folders no case makes any more, and says what changed. Review
 * the change with `git diff test/golden` before committing it.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GOLDEN_DIR, generateGoldens, storedGoldenFolders } from './cases.js';

const goldens = await generateGoldens();
let changed = 0;
let same = 0;
for (const [folder, files] of goldens) {
  const dir = join(GOLDEN_DIR, folder);
  mkdirSync(dir, { recursive: true });
  for (const old of readdirSync(dir)) {
    if (!files.has(old)) {
      rmSync(join(dir, old));
      console.log(`removed  ${folder}/${old}`);
      changed++;
    }
  }
  for (const [name, text] of files) {
    const path = join(dir, name);
    let before: string | null = null;
    try {
      before = readFileSync(path, 'utf8');
    } catch {
      before = null;
    }
    if (before === text) {
      same++;
      continue;
    }
    writeFileSync(path, text);
    console.log(`${before === null ? 'added   ' : 'updated '} ${folder}/${name}`);
    changed++;
  }
}
for (const folder of storedGoldenFolders()) {
  if (!goldens.has(folder)) {
    rmSync(join(GOLDEN_DIR, folder), { recursive: true, force: true });
    console.log(`removed  ${folder}/`);
    changed++;
  }
}
console.log(`${changed} golden file(s) written or removed, ${same} unchanged, in ${GOLDEN_DIR}`);
