// Runs systemd's own checker (`systemd-analyze verify` and `security --offline`) on our unit files,
// inside a throwaway root so that verify can resolve the program we install without installing it.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chmod, copyFile, cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { parseUnitFile, execProgram } from './unit-file.js';

/** The systemd-analyze binary on PATH, or undefined where systemd is not installed. */
export async function findSystemdAnalyze(): Promise<string | undefined> {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'systemd-analyze');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export interface RunResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(program: string, args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // No colours, no pager: the output is compared as text.
    const child = spawn(program, args, {
      env: { ...process.env, SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '', SYSTEMD_LOG_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}

/** Where the host keeps its packaged units (targets such as sysinit.target that our units need). */
async function findHostUnitDir(): Promise<string> {
  for (const dir of ['/usr/lib/systemd/system', '/lib/systemd/system']) {
    try {
      await access(join(dir, 'sysinit.target'));
      return dir;
    } catch {
      // try the next layout
    }
  }
  throw new Error('systemd-analyze is installed but no systemd unit directory with sysinit.target was found');
}

export interface VerifyRootOptions {
  /** Unit files to install into <root>/etc/systemd/system, copied byte for byte. */
  readonly unitFiles: readonly string[];
  /** npm's global prefix to simulate (`npm install -g` puts the bin at <prefix>/bin), or
   *  undefined to leave ragflow-sync uninstalled. */
  readonly npmPrefix: '/usr/local' | '/usr' | undefined;
}

/**
 * Builds a root for `systemd-analyze verify --root=`: the host's packaged units, our unit files,
 * a stand-in for the ragflow-sync executable at the npm prefix, and copies of the host programs the
 * units name by absolute path. Only the bare name `ragflow-sync` is stood in for; any other program
 * must exist on this host, so a wrong path such as /usr/bin/kil still fails verification.
 */
export async function buildVerifyRoot(options: VerifyRootOptions): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'ragflow-sync-verify-'));
  // verbatimSymlinks: keep the host's alias links as they are instead of rewriting them.
  await cp(await findHostUnitDir(), join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  const unitDir = join(root, 'etc/systemd/system');
  await mkdir(unitDir, { recursive: true });
  const programs = new Set<string>();
  for (const file of options.unitFiles) {
    await copyFile(file, join(unitDir, basename(file)));
    const unit = parseUnitFile(await readFile(file, 'utf8'));
    for (const directive of unit.directives) {
      if (directive.section === 'Service' && directive.key.startsWith('Exec')) programs.add(execProgram(directive.value));
    }
  }
  for (const program of programs) {
    if (program === 'ragflow-sync') {
      if (options.npmPrefix === undefined) continue;
      await writeExecutable(join(root, options.npmPrefix, 'bin', program), '#!/bin/sh\nexit 0\n');
    } else if (program.startsWith('/')) {
      await copyHostProgram(program, root);
    } else {
      throw new Error(`unit runs "${program}" by bare name; only ragflow-sync is expected to be found that way`);
    }
  }
  return root;
}

async function writeExecutable(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  await chmod(path, 0o755);
}

async function copyHostProgram(program: string, root: string): Promise<void> {
  try {
    await access(program, constants.X_OK);
  } catch (cause) {
    throw new Error(`the units run ${program}, which is not an executable on this host`, { cause });
  }
  const target = join(root, program);
  await mkdir(dirname(target), { recursive: true });
  await copyFile(program, target); // follows symlinks such as /bin → /usr/bin
  await chmod(target, 0o755);
}

/** `systemd-analyze verify` on units installed in `root`; returns everything it printed. */
export async function verifyUnits(analyze: string, root: string, unitNames: readonly string[]): Promise<RunResult> {
  return run(analyze, ['verify', `--root=${root}`, ...unitNames.map((name) => `/etc/systemd/system/${name}`)]);
}

/** `systemd-analyze security --offline=true` on a unit file; the overall exposure (0.0–10.0). */
export async function securityExposure(analyze: string, unitFile: string): Promise<{ score: number; report: RunResult }> {
  const report = await run(analyze, ['security', '--offline=true', '--no-pager', unitFile]);
  const match = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(report.stdout);
  if (report.exitCode !== 0 || match?.[1] === undefined) {
    throw new Error(`systemd-analyze security failed (exit ${String(report.exitCode)}):\n${report.stdout}${report.stderr}`);
  }
  return { score: Number(match[1]), report };
}
