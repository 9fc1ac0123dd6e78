/**
 * Checks of the paths a command is given, made before any work: a file where
 * a folder belongs (or the other way round) is a one-line usage error naming
 * the option, not an ENOTDIR after a minute of synth.
 */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './usage-error.ts';

function kindOf(path: string): 'absent' | 'folder' | 'file' {
  try {
    const stat = statSync(resolve(path), { throwIfNoEntry: false });
    return stat === undefined ? 'absent' : stat.isDirectory() ? 'folder' : 'file';
  } catch (error) {
    // Under a file: nothing there, and requireNoFileAbove names the file in the way.
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return 'absent';
    throw error;
  }
}

/** An existing folder. */
export function requireFolder(option: string, path: string): void {
  const kind = kindOf(path);
  if (kind === 'absent') throw new UsageError(`${option} ${path}: no such folder`);
  if (kind === 'file') throw new UsageError(`${option} ${path}: is a file; give a folder`);
}

/** A folder, or nothing yet (it is created); never a file. Its parent must not be a file either. */
export function requireFolderOrAbsent(option: string, path: string): void {
  if (kindOf(path) === 'file') throw new UsageError(`${option} ${path}: is a file; give a folder (it is created if missing)`);
  requireNoFileAbove(option, path);
}

/** A file to write: absent or a file, never a folder. */
export function requireFileTarget(option: string, path: string): void {
  if (kindOf(path) === 'folder') throw new UsageError(`${option} ${path}: is a folder; give a file name`);
  requireNoFileAbove(option, path);
}

function requireNoFileAbove(option: string, path: string): void {
  for (let folder = dirname(resolve(path)); folder !== dirname(folder); folder = dirname(folder)) {
    const kind = kindOf(folder);
    if (kind === 'folder') return;
    if (kind === 'file') throw new UsageError(`${option} ${path}: ${folder} is a file, so nothing can be created under it`);
  }
}
