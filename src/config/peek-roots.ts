// The folder roots a config file names, read as plain JSON before the configuration is loaded and checked,
// so that work on them can start early (src/cli.ts). Only ever a guess: whoever uses it compares with the
// loaded configuration, and a wrong guess costs time, never correctness.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export function peekFolderRoots(configFile: string): string[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch {
    return [];
  }
  const folders = (raw as { folders?: unknown } | null)?.folders;
  if (!Array.isArray(folders)) return [];
  const base = path.dirname(path.resolve(configFile));
  return folders.flatMap((folder: unknown) => {
    const folderPath = (folder as { path?: unknown } | null)?.path;
    return typeof folderPath === 'string' ? [path.resolve(base, folderPath)] : [];
  });
}
