/**
 * Streams CSV rows to a file in chunks, waiting for the disk when the stream
 * says so: memory stays flat whatever the scale.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

const CHUNK_CHARACTERS = 1 << 18;

/** RFC 4180: quote only when needed (as Olist's files do), double the quotes inside. */
export function csvField(value: string): string {
  if (/[",\r\n]/.test(value)) return `"${value.replaceAll('"', '""')}"`;
  return value;
}

export function csvLine(fields: readonly string[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    if (i > 0) line += ',';
    line += csvField(fields[i]!);
  }
  return line + '\n';
}

export class CsvFileWriter {
  private readonly stream: WriteStream;
  private pending = '';
  private streamError: Error | undefined;
  rows = 0;
  bytes = 0;

  constructor(readonly path: string, header: readonly string[]) {
    this.stream = createWriteStream(path);
    this.stream.on('error', (error) => {
      this.streamError = error;
    });
    this.pending = csvLine(header);
  }

  /** Adds one encoded line (from csvLine); resolves at once unless the chunk had to wait for the disk. */
  async writeLine(line: string): Promise<void> {
    this.pending += line;
    this.rows++;
    if (this.pending.length >= CHUNK_CHARACTERS) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.streamError) throw this.streamError;
    const chunk = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) {
      // Stop listening for the event that did not come, or every wait leaks a listener.
      const waiting = new AbortController();
      try {
        await Promise.race([once(this.stream, 'drain', { signal: waiting.signal }), once(this.stream, 'error', { signal: waiting.signal })]);
      } finally {
        waiting.abort();
      }
    }
  }

  async close(): Promise<void> {
    if (this.pending.length > 0) await this.flush();
    if (this.streamError) throw this.streamError;
    this.stream.end();
    await once(this.stream, 'close');
    if (this.streamError) throw this.streamError;
  }
}
