// Durable-write file system calls that do the real thing and log what they did, in order.
import * as fs from 'node:fs/promises';
import path from 'node:path';
import type { DurableWriteOps } from '../../src/adapters/durable-json-file.js';

/** Real file system calls, recorded in order (including fsyncs on the handles they return). */
export function recordingOps(log: string[], overrides: Partial<DurableWriteOps> = {}): DurableWriteOps {
  return {
    async open(file, flags, mode) {
      const handle = await fs.open(file, flags, mode);
      const name = path.basename(file.toString());
      log.push(`open ${name}`);
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        log.push(`fsync ${name}`);
        await sync();
      };
      return handle;
    },
    async rename(from, to) {
      log.push(`rename ${path.basename(from.toString())} -> ${path.basename(to.toString())}`);
      await (overrides.rename ?? fs.rename)(from, to);
    },
    async unlink(file) {
      log.push(`unlink ${path.basename(file.toString())}`);
      await fs.unlink(file);
    },
  };
}
