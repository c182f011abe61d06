// The FolderReader port over node:fs: the scanner, the one-path stat and the streamed hasher.
import { stat } from 'node:fs/promises';
import type { PathFilter } from '../core/path-filter.js';
import type { FolderReader, PathRules, ScanResult } from '../sync/ports.js';
import { scanFolder, ScanRootError, statFile } from './fs-scanner.js';
import { hashFile } from './file-hasher.js';
import { scanInWorker } from './threaded-scanner.js';

/**
 * Whole-folder scans run in a worker thread when the rules say what they were built from (a PathFilter),
 * so the walk uses the second core. Should the thread itself fail (not the scan: a missing root is an
 * answer), the same scan runs in this thread instead.
 */
async function scan(root: string, rules: PathRules, signal?: AbortSignal): Promise<ScanResult> {
  const options = (rules as Partial<PathFilter>).options;
  if (options !== undefined) {
    try {
      return await scanInWorker(root, options, signal);
    } catch (error) {
      if (error instanceof ScanRootError || signal?.aborted === true) throw error;
    }
  }
  return scanFolder(root, rules, signal ? { signal } : {});
}

export const nodeFolderReader: FolderReader = {
  scan,
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
