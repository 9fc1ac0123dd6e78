/**
 * Why a file drop is refused. Each rule is a stable identifier: it lands in
 * the `.reason.json` next to the rejected file and in the use-case result, so
 * alarms and dashboards can group on it.
 */
export const REFUSAL_RULES = [
  'unsupported-type', // the drop is not .csv, .csv.gz or .zip
  'max-file-size', // the drop, or one file in it, is over ingestion.maxFileMb
  'max-unpacked-size', // the entries unpack to more than ingestion.maxUnpackedMb in total
  'max-compression-ratio', // an entry unpacks to more than ingestion.maxCompressionRatio x its compressed size
  'max-entries', // a zip with more than ingestion.maxEntries entries
  'unsafe-path', // absolute, `..`, backslash, drive letter or control characters in an entry name (zip slip)
  'nested-archive', // an archive inside the drop, by name or by magic bytes
  'symlink-entry', // a symbolic link stored in a zip
  'special-entry', // a device, FIFO or socket stored in a zip
  'encrypted-entry', // an encrypted zip entry
  'unsupported-compression', // a zip entry compressed with something other than stored/deflate, or multi-member gzip
  'empty-file', // 0 bytes, a CSV with a header and no data rows, or an archive with no CSV in it
  'corrupt-archive', // gzip/zip that does not parse, is truncated, or fails its CRC/size check
  'unknown-dataset', // a CSV whose name matches no dataset
  'unexpected-file', // a non-CSV file inside a zip
] as const;

export type RefusalRule = (typeof REFUSAL_RULES)[number];

/** Thrown inside the unpacker when the drop breaks a rule; the use-case turns it into a rejection. */
export class DropRefusal extends Error {
  constructor(
    readonly rule: RefusalRule,
    message: string,
  ) {
    super(message);
    this.name = 'DropRefusal';
  }
}

const MB = 1024 * 1024;

export interface UnpackLimits {
  readonly maxFileMb: number;
  readonly maxUnpackedMb: number;
  readonly maxCompressionRatio: number;
  readonly maxEntries: number;
}

/**
 * Counts bytes as they come out of the inflater and refuses the drop the
 * moment a limit is crossed, so a bomb is stopped after one chunk, not after
 * it has filled memory. Declared sizes in archive headers are never used for
 * these checks: only bytes actually produced count.
 */
export class UnpackMeter {
  private totalBytes = 0;

  constructor(
    private readonly limits: UnpackLimits,
    private readonly dropName: string,
  ) {}

  /** A meter for one entry; `compressedBytes` is the size of its compressed data as it sits in the drop. */
  entry(entryName: string, compressedBytes: number): (chunkBytes: number) => void {
    let entryBytes = 0;
    const maxFileBytes = this.limits.maxFileMb * MB;
    const maxTotalBytes = this.limits.maxUnpackedMb * MB;
    // A zero-byte compressed stream cannot produce data; a 1-byte floor keeps the bound finite.
    const maxRatioBytes = this.limits.maxCompressionRatio * Math.max(compressedBytes, 1);
    return (chunkBytes) => {
      entryBytes += chunkBytes;
      this.totalBytes += chunkBytes;
      if (entryBytes > maxFileBytes) {
        throw new DropRefusal('max-file-size', `${this.dropName}: entry "${entryName}" unpacks to more than maxFileMb (${this.limits.maxFileMb} MB)`);
      }
      if (entryBytes > maxRatioBytes) {
        throw new DropRefusal(
          'max-compression-ratio',
          `${this.dropName}: entry "${entryName}" unpacks to more than maxCompressionRatio (${this.limits.maxCompressionRatio}) x its ${compressedBytes} compressed bytes; stopped inflating at ${entryBytes} bytes`,
        );
      }
      if (this.totalBytes > maxTotalBytes) {
        throw new DropRefusal('max-unpacked-size', `${this.dropName}: entries unpack to more than maxUnpackedMb (${this.limits.maxUnpackedMb} MB) in total`);
      }
    };
  }

  /** Resets the running total, for the second pass over an archive that already passed. */
  restart(): void {
    this.totalBytes = 0;
  }
}

const ARCHIVE_EXTENSIONS = [
  '.zip', '.zipx', '.jar', '.war', '.gz', '.tgz', '.tar', '.7z', '.rar', '.bz2', '.tbz', '.tbz2', '.xz', '.txz',
  '.zst', '.zstd', '.lz', '.lz4', '.lzma', '.z', '.cab', '.arj', '.iso', '.cpio', '.ar',
];

/** True when a file name says it is an archive or compressed stream. */
export function hasArchiveExtension(fileName: string): boolean {
  const lower = fileName.toLowerCase();
  return ARCHIVE_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

const MAGIC: readonly { readonly format: string; readonly offset: number; readonly bytes: readonly number[] }[] = [
  { format: 'zip', offset: 0, bytes: [0x50, 0x4b, 0x03, 0x04] },
  { format: 'zip (empty)', offset: 0, bytes: [0x50, 0x4b, 0x05, 0x06] },
  { format: 'zip (spanned)', offset: 0, bytes: [0x50, 0x4b, 0x07, 0x08] },
  { format: 'gzip', offset: 0, bytes: [0x1f, 0x8b] },
  { format: 'compress (.Z)', offset: 0, bytes: [0x1f, 0x9d] },
  { format: 'bzip2', offset: 0, bytes: [0x42, 0x5a, 0x68] },
  { format: 'xz', offset: 0, bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { format: '7z', offset: 0, bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { format: 'rar', offset: 0, bytes: [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07] },
  { format: 'zstd', offset: 0, bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { format: 'lz4', offset: 0, bytes: [0x04, 0x22, 0x4d, 0x18] },
  { format: 'lzip', offset: 0, bytes: [0x4c, 0x5a, 0x49, 0x50] },
  { format: 'cab', offset: 0, bytes: [0x4d, 0x53, 0x43, 0x46] },
  { format: 'tar', offset: 257, bytes: [0x75, 0x73, 0x74, 0x61, 0x72] }, // "ustar"
];

/** How many leading bytes `archiveFormatOf` needs to see. */
export const MAGIC_HEAD_BYTES = 262;

/** The archive format a file's first bytes announce, whatever its name says; undefined for anything else. */
export function archiveFormatOf(head: Uint8Array): string | undefined {
  return MAGIC.find(({ offset, bytes }) => head.length >= offset + bytes.length && bytes.every((byte, i) => head[offset + i] === byte))?.format;
}

/**
 * Why an archive entry name is unsafe to turn into a path (zip slip), or
 * undefined when it is safe. Checked on the name exactly as stored, before
 * any normalisation could hide a trick.
 */
export function unsafePathReason(name: string): string | undefined {
  if (name.length === 0) return 'an empty name';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'control characters';
  if (name.includes('\\')) return 'a backslash';
  if (name.startsWith('/')) return 'an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'a drive letter';
  if (name.split('/').some((part) => part === '..')) return 'a ".." segment';
  return undefined;
}
