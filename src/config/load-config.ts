// Reads, validates and resolves the configuration file: relative paths against its folder, the API key
// from the environment, the config, a key file or a systemd credential (in that order).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { ConfigError } from './config-error.js';
import { configSourceDigest } from './peek-config.js';
import { configSchema, type FolderConfigParsed, type ParsedConfig } from './schema.js';

export interface FolderConfig extends Omit<FolderConfigParsed, 'path'> {
  /** Absolute, normalised folder path. */
  readonly path: string;
  /** Stable key of this folder in the state file. */
  readonly key: string;
}

export interface Config extends Omit<ParsedConfig, 'folders' | 'server' | 'stateFile'> {
  readonly configFile: string;
  /** configSourceDigest of what this configuration was loaded from (the settled record keeps it). */
  readonly sourceDigest: string;
  readonly server: Omit<ParsedConfig['server'], 'apiKey' | 'apiKeyFile'> & { readonly apiKey: string };
  readonly stateFile: string;
  readonly folders: readonly FolderConfig[];
}

export interface LoadConfigOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** `status` reads only the state file: it runs without a key. Default true. */
  readonly requireKey?: boolean;
}

/** The state-file key of a folder: its absolute path and KB (changing either starts a new mirror). */
export function folderKey(absPath: string, kb: string): string {
  return `${kb}::${absPath}`;
}

export function loadConfig(configFile: string, options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = path.resolve(configFile);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ConfigError([`${configFile}: cannot read the configuration file (${code}); pass an existing file with --config`], { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`${configFile}: not valid JSON (${(err as Error).message}); the configuration is a JSON object`], { cause: err });
  }
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `${configFile}: ${describeIssue(issue)}`));
  const config = { ...resolveConfig(parsed.data, file, configFile, env, options.requireKey ?? true), sourceDigest: configSourceDigest(file, text, env) };
  // Under systemd the state belongs in StateDirectory= (the config folder is read-only there).
  const stateGiven = typeof raw === 'object' && raw !== null && 'stateFile' in raw;
  const stateDirectory = env['STATE_DIRECTORY']?.split(':')[0];
  return !stateGiven && stateDirectory ? { ...config, stateFile: path.join(stateDirectory, 'state.json') } : config;
}

function resolveConfig(data: ParsedConfig, file: string, shownAs: string, env: NodeJS.ProcessEnv, requireKey: boolean): Omit<Config, 'sourceDigest'> {
  const base = path.dirname(file);
  const problems: string[] = [];
  const keyProblems: string[] = [];
  const apiKey = resolveApiKey(data.server, base, env, keyProblems);
  if (requireKey) problems.push(...keyProblems.map((p) => `${shownAs}: ${p}`));
  const folders = data.folders.map((folder) => {
    const abs = path.resolve(base, folder.path);
    return { ...folder, path: abs, key: folderKey(abs, folder.kb) };
  });
  const seen = new Map<string, number>();
  folders.forEach((folder, index) => {
    const earlier = seen.get(folder.path);
    if (earlier !== undefined) {
      problems.push(`${shownAs}: folders[${index}].path: expected each folder once, found "${folder.path}" again (also folders[${earlier}])`);
    }
    seen.set(folder.path, index);
  });
  if (problems.length > 0) throw new ConfigError(problems);
  const { apiKey: _k, apiKeyFile: _f, ...server } = data.server;
  return { ...data, configFile: file, server: { ...server, apiKey }, stateFile: path.resolve(base, data.stateFile), folders };
}

function resolveApiKey(server: ParsedConfig['server'], base: string, env: NodeJS.ProcessEnv, problems: string[]): string {
  const fromEnv = env['RAGFLOW_API_KEY']?.trim();
  if (fromEnv) return fromEnv;
  if (server.apiKey) return server.apiKey;
  const keyFile = server.apiKeyFile
    ? path.resolve(base, server.apiKeyFile)
    : env['CREDENTIALS_DIRECTORY']
      ? path.join(env['CREDENTIALS_DIRECTORY'], 'ragflow-api-key')
      : undefined;
  if (keyFile) {
    try {
      const key = readFileSync(keyFile, 'utf8').trim();
      if (key) return key;
      problems.push(`server.apiKeyFile: expected a file holding the API key, found an empty file at ${keyFile}`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      // Someone may have pasted the key itself here: never echo what looks like a key.
      const shown = server.apiKeyFile && looksLikeKey(server.apiKeyFile) ? 'the file it names' : keyFile;
      problems.push(`server.apiKeyFile: expected a path to a file holding the API key; cannot read ${shown} (${code})`);
    }
    return '';
  }
  problems.push('server.apiKey: expected an API key: set RAGFLOW_API_KEY, server.apiKey or server.apiKeyFile');
  return '';
}

function looksLikeKey(value: string): boolean {
  return /^ragflow-/i.test(value) || (!value.includes('/') && !value.includes('.') && value.length >= 24);
}

function formatPath(issuePath: readonly PropertyKey[]): string {
  let out = '';
  for (const part of issuePath) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || '(top level)';
}

function describeFound(input: unknown): string {
  if (input === undefined) return 'nothing';
  const text = JSON.stringify(input);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Allowed keys per object, so an unknown-key message can show what was probably meant. */
function knownKeys(where: string): readonly string[] | undefined {
  const shape = configSchema.shape;
  if (where === '(top level)') return Object.keys(shape);
  if (/^folders\[\d+\]$/.test(where)) return Object.keys(shape.folders.element.shape);
  const nested: Record<string, { shape: object } | undefined> = {
    server: shape.server,
    rateLimit: shape.rateLimit.unwrap(),
    daemon: shape.daemon.unwrap(),
    log: shape.log.unwrap(),
    metrics: shape.metrics.unwrap(),
  };
  const schema = nested[where];
  return schema ? Object.keys(schema.shape) : undefined;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const keys = issue.keys.map((key) => `"${key}"`).join(', ');
      const known = knownKeys(where);
      const hint = known ? ` (known keys: ${known.join(', ')})` : '';
      return `${where}: unknown key ${keys}; remove it or check its spelling${hint}`;
    }
    case 'invalid_type': {
      const expected = issue.message.startsWith('Invalid input') ? `expected ${issue.expected}` : issue.message;
      return `${where}: ${expected}, found ${describeFound(issue.input)}`;
    }
    default:
      return `${where}: ${issue.message.replace(/^Invalid input: /, '')}, found ${describeFound(issue.input)}`;
  }
}
