// The FolderReader port over node:fs: the scanner, the one-path stat and the streamed hasher.
import { stat } from 'node:fs/promises';
import type { FolderReader } from '../sync/ports.js';
import { scanFolder, statFile } from './fs-scanner.js';
import { hashFile } from './file-hasher.js';

export const nodeFolderReader: FolderReader = {
  scan: (root, rules, signal) => scanFolder(root, rules, signal ? { signal } : {}),
  stat: (root, relPath) => statFile(root, relPath),
  hash: (absPath, signal) => hashFile(absPath, signal),
  async rootId(root) {
    try {
      const st = await stat(root);
      return st.isDirectory() ? { dev: st.dev, ino: st.ino } : undefined;
    } catch {
      return undefined;
    }
  },
};
