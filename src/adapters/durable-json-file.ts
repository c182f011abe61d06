// A lowdb adapter whose writes survive crashes and power loss: unique temp file, fsync, rename, fsync
// of the directory. (lowdb's own JSONFile uses one fixed temp name and never fsyncs.)
import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import type { Adapter } from 'lowdb';
import { errnoCode } from './errno.js';

/** The file system calls a durable write makes; tests wrap them to check the order. */
export interface DurableWriteOps {
  open: typeof fs.open;
  rename: typeof fs.rename;
  unlink: typeof fs.unlink;
}

const nodeOps: DurableWriteOps = { open: fs.open, rename: fs.rename, unlink: fs.unlink };

let tempCounter = 0;

/** `.state.json.<pid>.<n>.tmp` next to the target: same file system (so rename is atomic), unique per write. */
export function tempNameFor(file: string): string {
  tempCounter += 1;
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${tempCounter}.tmp`);
}

/** Whether a directory entry is one of our temp files for `file` (any process). */
export function isTempNameOf(file: string, entryName: string): boolean {
  const prefix = `.${path.basename(file)}.`;
  return entryName.startsWith(prefix) && /^\d+\.\d+\.tmp$/.test(entryName.slice(prefix.length));
}

/**
 * Replaces `file` with `text` so that, after a crash at any point, the file holds either the old or the
 * new content in full. Readers never see a partial file; the old file is untouched when anything fails.
 */
export async function writeFileDurably(file: string, text: string, ops: DurableWriteOps = nodeOps): Promise<void> {
  const temp = tempNameFor(file);
  // 0600: the state names every synced file and document id; it is nobody else's business.
  const handle = await ops.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync(); // the bytes reach the disk before the name points at them
    } finally {
      await handle.close();
    }
    await ops.rename(temp, file);
  } catch (error) {
    await ops.unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(path.dirname(file), ops); // the rename itself reaches the disk
}

async function syncDirectory(dir: string, ops: DurableWriteOps): Promise<void> {
  const handle = await ops.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems cannot fsync a directory (EINVAL); the data itself is already synced.
    if (errnoCode(error) !== 'EINVAL') throw error;
  } finally {
    await handle.close();
  }
}

export interface DataFormat<T> {
  /** Text → data; throws when the text is not valid data. */
  parse(text: string): T;
  stringify(data: T): string;
}

/** lowdb adapter: `null` when the file does not exist, so Low keeps its default data. */
export class DurableDataFile<T> implements Adapter<T> {
  constructor(
    readonly file: string,
    private readonly format: DataFormat<T>,
    private readonly ops: DurableWriteOps = nodeOps,
  ) {}

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return null;
      throw error;
    }
    return this.format.parse(text);
  }

  async write(data: T): Promise<void> {
    await writeFileDurably(this.file, this.format.stringify(data), this.ops);
  }
}
