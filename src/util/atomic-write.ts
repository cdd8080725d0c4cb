/**
 * Files are written whole or not at all: the content goes to a temporary file in the same
 * folder, which is then renamed over the target. A failure (disk full, permission) removes
 * the temporary file and surfaces as a Lmer2JagsError naming the path.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
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

/** What went wrong in a failed write, in words, by errno code. */
export function writeFailure(code: string | undefined, err: unknown): { what: string; hint: string } {
  switch (code) {
    case 'ENOSPC':
      return { what: 'the disk is full', hint: fileErrorHint(code) };
    case 'EDQUOT':
      return { what: 'the disk quota is used up', hint: 'free some space or choose another folder' };
    case 'EFBIG':
      return { what: 'the file is larger than this system allows (file system or ulimit -f)', hint: 'choose another folder, or raise the file size limit' };
    case 'EACCES':
    case 'EPERM':
      return { what: 'permission denied', hint: fileErrorHint(code) };
    case 'EROFS':
      return { what: 'the file system is read-only', hint: fileErrorHint(code) };
    case 'ENOENT':
      return { what: 'the folder does not exist and cannot be made there', hint: 'choose a folder you can create files in' };
    case 'ENOTDIR':
      return { what: 'a part of the path is a file, not a folder', hint: fileErrorHint(code) };
    case 'EISDIR':
      return { what: 'it is a folder', hint: fileErrorHint(code) };
    default:
      return { what: err instanceof Error ? err.message : String(err), hint: fileErrorHint(code) };
  }
}

function writeError(path: string, option: string, err: unknown): Lmer2JagsError {
  const cause = err instanceof Lmer2JagsError && err.cause !== undefined ? err.cause : err;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const { what, hint } = writeFailure(code, cause);
  return new Lmer2JagsError(`cannot write ${option} ${path}: ${what}; nothing was written`, { location: { kind: 'file', path }, hint, cause });
}

/**
 * Write a command's output file whole or not at all (a failure leaves no partial file behind).
 * A folder is refused before anything is touched; a device, FIFO or socket (/dev/stdout, a
 * named pipe) is written into, since replacing it with a renamed temporary file would destroy
 * it; a symbolic link is followed, so the link stays a link.
 */
export async function writeOutputFile(path: string, content: string, option = '--out'): Promise<void> {
  if (path.trim() === '') {
    throw new Lmer2JagsError(`${option} needs a file name`, { hint: `e.g. ${option} data.csv (or - for stdout)` });
  }
  let st: Stats | null = null;
  try {
    st = await stat(path);
  } catch {
    st = null; // does not exist yet (or cannot be inspected): the write itself says why
  }
  if (st?.isDirectory()) {
    throw new Lmer2JagsError(`${option} ${path} is a folder, not a file; nothing was written`, {
      location: { kind: 'file', path },
      hint: `give a file name, e.g. ${option} ${path.replace(/\/+$/, '')}/data.csv`,
    });
  }
  try {
    if (st !== null && !st.isFile()) await writeFile(path, content);
    else await writeFileAtomic(st === null ? path : await realpath(path), content);
  } catch (e) {
    throw writeError(path, option, e);
  }
}
