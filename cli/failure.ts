/**
 * One line for a failure that is not a usage or config mistake: what could
 * not be done to which path and why, in words, for the errors a file system
 * gives (a read-only or full lake, a file where a folder was expected). The
 * stack trace only with --debug or STRATA_DEBUG=1.
 */
const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder, where a file was expected',
  EEXIST: 'already exists, and is not a folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files (raise `ulimit -n`)',
};

const VERBS: Record<string, string> = {
  open: 'open',
  mkdir: 'create the folder',
  rename: 'move into place',
  write: 'write',
  read: 'read',
  scandir: 'list',
  copyfile: 'copy to',
  unlink: 'remove',
  rmdir: 'remove',
  stat: 'read',
  lstat: 'read',
};

interface SystemError extends Error {
  code?: string;
  syscall?: string;
  path?: string;
  dest?: string;
}

/** `--debug` among the arguments, or STRATA_DEBUG=1. */
export function isDebug(argv: readonly string[]): boolean {
  return argv.includes('--debug') || process.env.STRATA_DEBUG === '1';
}

export function describeFailure(error: unknown, debug: boolean): string {
  const failure = error as SystemError;
  const reason = failure?.code ? REASONS[failure.code] : undefined;
  if (reason) {
    const verb = VERBS[failure.syscall ?? ''] ?? failure.syscall ?? 'use';
    // A write to an open file names no path; the callers that know it add it (writeRunReport does).
    const target = failure.syscall === 'rename' || failure.syscall === 'copyfile' ? (failure.dest ?? failure.path) : failure.path;
    return `cannot ${verb}${target ? ` ${target}` : ''}: ${reason}`;
  }
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return debug ? `${message}` : `${message} (unexpected: run again with --debug for the stack trace)`;
}
