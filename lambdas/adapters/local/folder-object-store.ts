import { link, mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Layer } from '../../../config/schema.ts';
import type { ObjectStore, StoredObject } from '../../ports/object-store.ts';

/** The lake as a folder: `<root>/<layer>/<key>`, the layout S3 has per bucket. */
export class FolderObjectStore implements ObjectStore {
  constructor(readonly root: string) {}

  /** Where an object lives on disk; refuses keys that would step outside their layer. */
  pathOf(layer: Layer, key: string): string {
    if (key.startsWith('/') || key.split('/').some((part) => part === '..')) {
      throw new Error(`object key "${key}" must be relative and must not contain ".." segments`);
    }
    return join(this.root, layer, ...key.split('/'));
  }

  async list(layer: Layer, prefix: string): Promise<StoredObject[]> {
    const layerRoot = join(this.root, layer);
    const found: StoredObject[] = [];
    const visit = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        const key = relative(layerRoot, path).split(sep).join('/');
        if (entry.isDirectory()) {
          // Only folders that can hold a key with the prefix: a table's pointer is found without walking its versions.
          const folder = `${key}/`;
          if (folder.startsWith(prefix) || prefix.startsWith(folder)) await visit(path);
        } else if (!entry.name.startsWith('.strata-tmp-') && key.startsWith(prefix)) {
          found.push({ key, sizeBytes: (await stat(path)).size });
        }
      }
    };
    // Start from the deepest folder the prefix names, not the whole layer.
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    await visit(folder ? this.pathOf(layer, folder) : layerRoot);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async read(layer: Layer, key: string): Promise<Uint8Array> {
    return readFile(this.pathOf(layer, key));
  }

  async exists(layer: Layer, key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(layer, key))).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
      throw error;
    }
  }

  async write(layer: Layer, key: string, body: Uint8Array | string): Promise<void> {
    // Rename replaces whatever is there: readers see the old object or the new one, never half of one.
    await this.placeAside(layer, key, body, rename);
  }

  async create(layer: Layer, key: string, body: Uint8Array | string): Promise<boolean> {
    // A link fails if the name exists: exactly one of racing writers places its file.
    try {
      await this.placeAside(layer, key, body, link);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  /** Writes `body` beside the object's path, then `place`s it there (rename or link); the aside file never stays. */
  private async placeAside(layer: Layer, key: string, body: Uint8Array | string, place: (from: string, to: string) => Promise<void>): Promise<void> {
    const path = this.pathOf(layer, key);
    const temporary = join(dirname(path), `.strata-tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(temporary, body);
        await place(temporary, path);
        return;
      } catch (error) {
        // A delete beside it removed a folder, empty for a moment, while this one made it or wrote into it: again.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 5) throw error;
      } finally {
        await rm(temporary, { force: true });
      }
    }
  }

  /** Removes the object, then the folders it leaves empty: like S3, the lake has no folders of its own, so listings do not walk old ones. */
  async delete(layer: Layer, key: string): Promise<void> {
    const path = this.pathOf(layer, key);
    await rm(path, { force: true });
    const layerRoot = join(this.root, layer);
    for (let folder = dirname(path); folder.startsWith(layerRoot + sep); folder = dirname(folder)) {
      try {
        await rmdir(folder);
      } catch {
        return; // not empty (or already gone)
      }
    }
  }
}
