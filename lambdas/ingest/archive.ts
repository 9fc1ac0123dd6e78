/**
 * Reading untrusted archives. The zip central directory is parsed here rather
 * than by fflate's `Unzip`, because `Unzip` scans for signatures and neither
 * exposes the entry flags (encryption) nor the external attributes (symlinks),
 * and fflate's `Gunzip` neither checks the CRC nor notices a truncated
 * stream. fflate does the inflating (`Inflate`, `Gunzip`), fed in small
 * slices so every output chunk passes the meter before the next is produced.
 */
import { crc32 } from 'node:zlib';
import { Gunzip, Inflate } from 'fflate';
import { DropRefusal, unsafePathReason } from './refusal.ts';

/** Compressed bytes handed to the inflater at a time: at deflate's ~1030:1 ceiling one slice yields at most ~17 MB. */
const SLICE_BYTES = 16 * 1024;

/** One file inside a drop, ready to be streamed through a sink as many times as needed. */
export interface DropEntry {
  /** Name as stored in the archive (or the landing file name for a plain CSV / gzip). */
  readonly path: string;
  /** Last path segment. */
  readonly fileName: string;
  /** Size of its compressed data inside the drop; the denominator of the compression ratio. */
  readonly compressedBytes: number;
  /**
   * Pushes the unpacked bytes to `onChunk`, in order. Throws a DropRefusal
   * when the data is corrupt (bad deflate, CRC or size mismatch, truncation),
   * and lets any error `onChunk` throws (a crossed limit) stop the inflation.
   */
  stream(onChunk: (chunk: Uint8Array) => void): void;
  /** The bytes themselves when the drop holds them uncompressed (a plain CSV): a second pass need not stream them again. */
  readonly stored?: Uint8Array;
}

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

const corrupt = (dropName: string, detail: string): DropRefusal => new DropRefusal('corrupt-archive', `${dropName}: ${detail}`);

/** Runs `body`, turning anything but a DropRefusal (fflate's errors, a RangeError on a short buffer) into corrupt-archive. */
function asCorrupt<T>(dropName: string, what: string, body: () => T): T {
  try {
    return body();
  } catch (error) {
    if (error instanceof DropRefusal) throw error;
    throw corrupt(dropName, `${what}: ${(error as Error).message}`);
  }
}

/** A plain file: its bytes as they are. */
export function plainEntry(fileName: string, data: Uint8Array): DropEntry {
  return {
    path: fileName,
    fileName,
    compressedBytes: data.length,
    stream(onChunk) {
      for (let offset = 0; offset < data.length; offset += SLICE_BYTES) onChunk(data.subarray(offset, offset + SLICE_BYTES));
    },
    stored: data,
  };
}

/**
 * A single-member gzip file holding `fileName`. The trailer (CRC-32 and size
 * mod 2^32, the last 8 bytes) is checked after inflating, which also catches
 * truncation and trailing junk. Concatenated members are refused: they are
 * rare in uploads and each would need its own trailer check.
 */
export function gzipEntry(dropName: string, fileName: string, data: Uint8Array): DropEntry {
  if (data.length < 18 || data[0] !== 0x1f || data[1] !== 0x8b) throw corrupt(dropName, 'not a gzip stream (bad magic bytes or shorter than a gzip header and trailer)');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const expectedCrc = view.getUint32(data.length - 8, true);
  const expectedSize = view.getUint32(data.length - 4, true);
  return {
    path: fileName,
    fileName,
    compressedBytes: data.length,
    stream(onChunk) {
      let crc = 0;
      let size = 0;
      const gunzip = new Gunzip((chunk) => {
        if (chunk.length === 0) return;
        crc = crc32(chunk, crc);
        size += chunk.length;
        onChunk(chunk);
      });
      gunzip.onmember = () => {
        throw new DropRefusal('unsupported-compression', `${dropName}: holds more than one gzip member; recompress it as a single gzip stream`);
      };
      asCorrupt(dropName, 'gzip stream does not inflate', () => {
        for (let offset = 0; offset < data.length; offset += SLICE_BYTES) {
          gunzip.push(data.subarray(offset, offset + SLICE_BYTES), offset + SLICE_BYTES >= data.length);
        }
      });
      if (crc !== expectedCrc || size % 2 ** 32 !== expectedSize) {
        throw corrupt(dropName, `gzip CRC-32/size check failed (truncated or damaged): inflated ${size} bytes`);
      }
    },
  };
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const U32_MAX = 0xffffffff;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

export interface ZipLimits {
  readonly maxEntries: number;
}

/** A zip entry the caller should look at; directories are dropped once their names pass the path check. */
export interface ZipFileEntry extends DropEntry {
  readonly declaredSize: number;
}

function u64(view: DataView, offset: number, dropName: string): number {
  const value = view.getBigUint64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(dropName, 'zip64 size or offset out of range');
  return Number(value);
}

/**
 * The files in a zip, after the structural checks that need no inflating:
 * entry count, names (zip slip), symlinks and special files, encryption,
 * compression method, and that every entry's data lies inside the archive
 * without overlapping another (overlapping entries are how the smallest zip
 * bombs multiply one compressed block). Sizes the headers declare are only
 * used to locate data and to check it after inflating, never as limits.
 */
export function zipEntries(dropName: string, data: Uint8Array, limits: ZipLimits): ZipFileEntry[] {
  return asCorrupt(dropName, 'zip structure', () => readZip(dropName, data, limits));
}

function readZip(dropName: string, data: Uint8Array, limits: ZipLimits): ZipFileEntry[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let eocd = -1;
  for (let offset = data.length - 22; offset >= Math.max(0, data.length - 22 - 0xffff); offset--) {
    if (view.getUint32(offset, true) === EOCD_SIGNATURE && offset + 22 + view.getUint16(offset + 20, true) === data.length) {
      eocd = offset;
      break;
    }
  }
  if (eocd < 0) throw corrupt(dropName, 'no zip end-of-central-directory record (truncated or not a zip)');
  if (view.getUint16(eocd + 4, true) !== 0 || view.getUint16(eocd + 6, true) !== 0) throw corrupt(dropName, 'multi-disk (spanned) zips are not accepted');

  let declaredEntries = view.getUint16(eocd + 10, true);
  let directorySize = view.getUint32(eocd + 12, true);
  let directoryOffset = view.getUint32(eocd + 16, true);
  if (declaredEntries === 0xffff || directorySize === U32_MAX || directoryOffset === U32_MAX) {
    const locator = eocd - 20;
    if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR_SIGNATURE) throw corrupt(dropName, 'zip64 end-of-central-directory locator missing');
    const zip64 = u64(view, locator + 8, dropName);
    if (zip64 + 56 > locator || view.getUint32(zip64, true) !== ZIP64_EOCD_SIGNATURE) throw corrupt(dropName, 'zip64 end-of-central-directory record missing');
    declaredEntries = u64(view, zip64 + 32, dropName);
    directorySize = u64(view, zip64 + 40, dropName);
    directoryOffset = u64(view, zip64 + 48, dropName);
  }
  if (declaredEntries > limits.maxEntries) {
    throw new DropRefusal('max-entries', `${dropName}: ${declaredEntries} entries, more than maxEntries (${limits.maxEntries})`);
  }
  if (directoryOffset + directorySize > eocd) throw corrupt(dropName, 'central directory lies outside the archive (truncated?)');

  const entries: ZipFileEntry[] = [];
  const ranges: { start: number; end: number; name: string }[] = [];
  let offset = directoryOffset;
  const directoryEnd = directoryOffset + directorySize;
  let seen = 0;
  while (offset < directoryEnd) {
    if (view.getUint32(offset, true) !== CENTRAL_SIGNATURE) throw corrupt(dropName, `bad central directory record at byte ${offset}`);
    // Counted as walked, not as declared: the declared count could lie.
    seen++;
    if (seen > limits.maxEntries) throw new DropRefusal('max-entries', `${dropName}: more than maxEntries (${limits.maxEntries}) entries`);
    const madeBy = view.getUint16(offset + 4, true) >> 8;
    const flags = view.getUint16(offset + 8, true);
    const method = view.getUint16(offset + 10, true);
    const crc = view.getUint32(offset + 16, true);
    let compressedSize = view.getUint32(offset + 20, true);
    let declaredSize = view.getUint32(offset + 24, true);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const externalAttributes = view.getUint32(offset + 38, true);
    let localOffset = view.getUint32(offset + 42, true);
    const nameBytes = data.subarray(offset + 46, offset + 46 + nameLength);
    // Bit 11: UTF-8 names; otherwise CP437, whose ASCII half is all a safe name needs.
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(nameBytes);
    const extra = data.subarray(offset + 46 + nameLength, offset + 46 + nameLength + extraLength);
    offset += 46 + nameLength + extraLength + commentLength;
    if (offset > directoryEnd) throw corrupt(dropName, 'central directory record runs past the directory');

    if (compressedSize === U32_MAX || declaredSize === U32_MAX || localOffset === U32_MAX) {
      const extraView = new DataView(extra.buffer, extra.byteOffset, extra.byteLength);
      for (let at = 0; at + 4 <= extra.length; ) {
        const id = extraView.getUint16(at, true);
        const size = extraView.getUint16(at + 2, true);
        if (id === 0x0001) {
          let field = at + 4;
          if (declaredSize === U32_MAX) (declaredSize = u64(extraView, field, dropName)), (field += 8);
          if (compressedSize === U32_MAX) (compressedSize = u64(extraView, field, dropName)), (field += 8);
          if (localOffset === U32_MAX) localOffset = u64(extraView, field, dropName);
        }
        at += 4 + size;
      }
    }

    const unsafe = unsafePathReason(name);
    if (unsafe) throw new DropRefusal('unsafe-path', `${dropName}: entry "${name}" has ${unsafe} in its name`);
    // Unix (3) and macOS (19) writers keep the file mode in the high 16 bits.
    const mode = madeBy === 3 || madeBy === 19 ? externalAttributes >>> 16 : 0;
    const type = mode & S_IFMT;
    if (type === S_IFLNK) throw new DropRefusal('symlink-entry', `${dropName}: entry "${name}" is a symbolic link`);
    const isDirectory = name.endsWith('/') || type === S_IFDIR || (externalAttributes & 0x10) !== 0;
    if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
      throw new DropRefusal('special-entry', `${dropName}: entry "${name}" is not a regular file (mode ${mode.toString(8)})`);
    }
    // Bit 0: encrypted; bit 6: strong encryption; method 99: WinZip AES.
    if (flags & 0x1 || flags & 0x40 || method === 99) throw new DropRefusal('encrypted-entry', `${dropName}: entry "${name}" is encrypted`);

    const local = localOffset;
    if (local + 30 > directoryOffset || view.getUint32(local, true) !== LOCAL_SIGNATURE) throw corrupt(dropName, `entry "${name}" has no local header where the directory says`);
    const localFlags = view.getUint16(local + 6, true);
    const localMethod = view.getUint16(local + 8, true);
    const localNameLength = view.getUint16(local + 26, true);
    const localExtraLength = view.getUint16(local + 28, true);
    const localName = data.subarray(local + 30, local + 30 + localNameLength);
    if (localFlags & 0x1 || localFlags & 0x40) throw new DropRefusal('encrypted-entry', `${dropName}: entry "${name}" is encrypted`);
    // A name that differs between the two headers is how some extractors are tricked into writing elsewhere.
    if (localMethod !== method || localNameLength !== nameLength || !localName.every((byte, i) => byte === nameBytes[i])) {
      throw corrupt(dropName, `entry "${name}": local header disagrees with the central directory`);
    }
    const start = local + 30 + localNameLength + localExtraLength;
    const end = start + compressedSize;
    if (end > directoryOffset) throw corrupt(dropName, `entry "${name}": data runs past the archive's file data (truncated?)`);
    ranges.push({ start: local, end, name });

    if (isDirectory) continue;
    if (method !== 0 && method !== 8) {
      throw new DropRefusal('unsupported-compression', `${dropName}: entry "${name}" uses compression method ${method}; only stored (0) and deflate (8) are accepted`);
    }
    const compressed = data.subarray(start, end);
    entries.push({
      path: name,
      fileName: baseName(name),
      compressedBytes: compressedSize,
      declaredSize,
      stream(onChunk) {
        let actualCrc = 0;
        let actualSize = 0;
        const emit = (chunk: Uint8Array): void => {
          if (chunk.length === 0) return;
          actualCrc = crc32(chunk, actualCrc);
          actualSize += chunk.length;
          onChunk(chunk);
        };
        asCorrupt(dropName, `entry "${name}" does not inflate`, () => {
          if (method === 0) {
            for (let at = 0; at < compressed.length; at += SLICE_BYTES) emit(compressed.subarray(at, at + SLICE_BYTES));
          } else {
            const inflate = new Inflate(emit);
            if (compressed.length === 0) inflate.push(compressed, true);
            for (let at = 0; at < compressed.length; at += SLICE_BYTES) inflate.push(compressed.subarray(at, at + SLICE_BYTES), at + SLICE_BYTES >= compressed.length);
          }
        });
        if (actualSize !== declaredSize || actualCrc !== crc) {
          throw corrupt(dropName, `entry "${name}": CRC-32/size check failed (declared ${declaredSize} bytes, inflated ${actualSize})`);
        }
      },
    });
  }
  if (seen !== declaredEntries) throw corrupt(dropName, `end record declares ${declaredEntries} entries, central directory holds ${seen}`);

  ranges.sort((a, b) => a.start - b.start);
  for (let i = 1; i < ranges.length; i++) {
    const previous = ranges[i - 1]!;
    const current = ranges[i]!;
    if (current.start < previous.end) throw corrupt(dropName, `entries "${previous.name}" and "${current.name}" overlap`);
  }
  return entries;
}
