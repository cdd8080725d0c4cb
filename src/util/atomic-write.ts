/**
 * Files are written whole or not at all: the content goes to a temporary file in the same
 * folder, which is then renamed over the target. A failure (disk full, permission) removes
 * the temporary file and surfaces as a Lmer2JagsError naming the path.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Lmer2JagsError } from '../errors.js';

export function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

export function fileErrorHint(code: string | undefined): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'you do not have permission to write there: choose another folder with --out';
    case 'ENOSPC':
      return 'the disk is full: free some space or choose another folder';
    case 'EROFS':
      return 'the file system is read-only: choose another folder';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EISDIR':
      return 'that path is a folder: give a file name';
    default:
      return 'check the path and try again';
  }
}

export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const tmp = tempNameFor(path);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, content);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    throw new Lmer2JagsError(`cannot write ${path}: ${(e as Error).message}`, {
      location: { kind: 'file', path },
      hint: fileErrorHint(code),
      cause: e,
    });
  }
}
