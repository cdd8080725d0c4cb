/**
 * Writes a conversion's files into its output folder, safely:
 * - a folder that already holds any file a conversion writes (model.jags, data.R, run.cmd,
 *   names.json, inits<k>.R for any k) is refused unless `force` is set, before anything is
 *   touched;
 * - every file goes to a temporary name in the same folder first; only when all of them are
 *   written are they renamed over their targets, so a failure (disk full, permission) leaves
 *   the old files as they were and no partial new ones.
 * With `force`, inits files of an earlier conversion with more chains are removed, so the
 * folder holds exactly one conversion.
 */
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Lmer2JagsError } from '../errors.js';
import { fileErrorHint, tempNameFor, writeFailure } from '../util/atomic-write.js';
import { CONVERSION_FILE } from './render.js';

export interface WriteOptions {
  /** Overwrite the files of an earlier conversion. */
  readonly force?: boolean;
}

function fileError(path: string, e: unknown, what: string): Lmer2JagsError {
  const code = (e as NodeJS.ErrnoException).code;
  if (what === 'write' || what === 'rename') {
    const failure = writeFailure(code, e);
    const after = what === 'write' ? 'the folder keeps the files it had' : 'files renamed before it hold the new conversion: run again with --force';
    return new Lmer2JagsError(`cannot write ${path}: ${failure.what}; ${after}`, {
      location: { kind: 'file', path },
      hint: failure.hint,
      cause: e,
    });
  }
  return new Lmer2JagsError(`cannot ${what} ${path}: ${(e as Error).message}`, {
    location: { kind: 'file', path },
    hint: fileErrorHint(code),
    cause: e,
  });
}

/** The conversion files already in `dir` (empty when the folder does not exist). */
export async function existingConversionFiles(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) {
      throw new Lmer2JagsError(`the output path ${dir} is a file, not a folder`, {
        location: { kind: 'file', path: dir },
        hint: 'give --out a folder (it is created if it does not exist)',
      });
    }
    entries = await readdir(dir);
  } catch (e) {
    if (e instanceof Lmer2JagsError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw fileError(dir, e, 'read the folder');
  }
  return entries.filter((f) => CONVERSION_FILE.test(f)).sort();
}

/** Writes `files` (name → content) into `dir`; resolves to the paths written. */
export async function writeConversion(dir: string, files: ReadonlyMap<string, string>, options: WriteOptions = {}): Promise<string[]> {
  if (dir.trim() === '') throw new Lmer2JagsError('--out needs a folder name', { hint: 'e.g. --out sleep (the folder is created if it does not exist)' });
  for (const name of files.keys()) {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) {
      throw new Lmer2JagsError(`"${name}" is not a plain file name`, { hint: 'conversion files are written directly into the output folder' });
    }
  }
  const existing = await existingConversionFiles(dir);
  if (existing.length > 0 && !options.force) {
    const shown = existing.slice(0, 6).join(', ') + (existing.length > 6 ? `, … (${existing.length} files)` : '');
    throw new Lmer2JagsError(`the folder ${dir} already holds a conversion (${shown}); nothing was written`, {
      location: { kind: 'file', path: dir },
      hint: 'add --force to overwrite those files, or choose another folder with --out',
    });
  }
  // A target that is a folder would make its rename fail after others were replaced.
  for (const name of existing) {
    const target = join(dir, name);
    const st = await stat(target).catch(() => null);
    if (st !== null && st.isDirectory()) {
      throw new Lmer2JagsError(`${target} is a folder, where the conversion writes a file; nothing was written`, {
        location: { kind: 'file', path: target },
        hint: 'move that folder away, or choose another folder with --out',
      });
    }
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw fileError(dir, e, 'create the folder');
  }

  // Write everything to temporary names; rename only when all succeeded.
  const temps: [string, string][] = [];
  try {
    for (const [name, text] of files) {
      const target = join(dir, name);
      const tmp = tempNameFor(target);
      temps.push([tmp, target]);
      try {
        await writeFile(tmp, text);
      } catch (e) {
        throw fileError(target, e, 'write');
      }
    }
  } catch (e) {
    await Promise.all(temps.map(([tmp]) => rm(tmp, { force: true }).catch(() => undefined)));
    throw e;
  }
  for (const [tmp, target] of temps) {
    try {
      await rename(tmp, target);
    } catch (e) {
      await Promise.all(temps.map(([t]) => rm(t, { force: true }).catch(() => undefined)));
      throw fileError(target, e, 'rename');
    }
  }
  // Inits files of an earlier conversion that this one does not have.
  for (const old of existing) {
    if (!files.has(old)) await rm(join(dir, old), { force: true }).catch(() => undefined);
  }
  return [...files.keys()].map((name) => join(dir, name));
}
