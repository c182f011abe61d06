// What a config file says, read as plain JSON before the configuration is loaded and checked (no schema,
// no defaults beyond the two below), so that work can start early (src/cli.ts) or be skipped when nothing
// changed (src/settled-shortcut.ts). Only ever a guess: whoever uses it either compares with the loaded
// configuration or trusts it only together with a digest of the same file (configSourceDigest), so a
// wrong guess costs time, never correctness.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The file's text, parsed; undefined when it cannot be read or is not JSON. */
export interface PeekedConfig {
  readonly file: string;
  readonly text: string;
  readonly raw: unknown;
}

export function peekConfig(configFile: string): PeekedConfig | undefined {
  const file = path.resolve(configFile);
  try {
    const text = readFileSync(file, 'utf8');
    return { file, text, raw: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** One `folders[]` entry as written: its path resolved like loadConfig does, the rest unchecked. */
export interface PeekedFolder {
  readonly root: string;
  readonly raw: Readonly<Record<string, unknown>>;
}

/** The folders that have a string `path` (the others cannot be loaded anyway), in order. */
export function peekFolders(peeked: PeekedConfig | undefined): PeekedFolder[] {
  const folders = (peeked?.raw as { folders?: unknown } | null | undefined)?.folders;
  if (peeked === undefined || !Array.isArray(folders)) return [];
  const base = path.dirname(peeked.file);
  return folders.flatMap((folder: unknown) => {
    const raw = typeof folder === 'object' && folder !== null ? (folder as Record<string, unknown>) : {};
    return typeof raw['path'] === 'string' ? [{ root: path.resolve(base, raw['path']), raw }] : [];
  });
}

export function peekFolderRoots(peeked: PeekedConfig | undefined): string[] {
  return peekFolders(peeked).map((folder) => folder.root);
}

/** The state file as loadConfig places it: `stateFile` beside the config, else systemd's StateDirectory,
 *  else `state.json` beside the config (the schema's default). */
export function peekStateFile(peeked: PeekedConfig, env: NodeJS.ProcessEnv): string | undefined {
  const base = path.dirname(peeked.file);
  const given = (peeked.raw as { stateFile?: unknown } | null)?.stateFile;
  if (given !== undefined) return typeof given === 'string' && given !== '' ? path.resolve(base, given) : undefined;
  const stateDirectory = env['STATE_DIRECTORY']?.split(':')[0];
  return stateDirectory ? path.join(stateDirectory, 'state.json') : path.resolve(base, 'state.json');
}

/**
 * Everything loadConfig's result depends on besides the API key: the config file's absolute path and text,
 * and the environment variable that moves the state file. Equal digests mean an equal configuration. The
 * key (RAGFLOW_API_KEY, server.apiKeyFile, systemd credentials) is left out on purpose: it decides nothing
 * on disk, and a digest of a secret does not belong in a file.
 */
export function configSourceDigest(file: string, text: string, env: NodeJS.ProcessEnv): string {
  return createHash('sha256').update(JSON.stringify([path.resolve(file), text, env['STATE_DIRECTORY'] ?? null])).digest('hex');
}
