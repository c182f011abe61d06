// The shipped systemd units: their contract with the CLI (exit codes, signals, paths), and systemd's
// own verdict on them (`verify` prints nothing; offline security exposure of 2.0 or lower).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { EXIT } from '../../src/core/exit-codes.js';
import {
  buildVerifyRoot, findSystemdAnalyze, securityExposure, verifyUnits,
} from './systemd-analyze.js';
import {
  commentedKeys, execProgram, parseTimeSpanMs, parseUnitFile, valueOf, valuesOf, type UnitFile,
} from './unit-file.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const unitPath = (name: string): string => join(repoRoot, 'systemd', name);
const DAEMON = 'ragflow-sync.service';
const RECONCILE = 'ragflow-sync-reconcile.service';
const TIMER = 'ragflow-sync-reconcile.timer';
const ALL_UNITS = [DAEMON, RECONCILE, TIMER];

// Exit codes a restart cannot fix; the CLI's table is the source (sysexits).
const PERMANENT_EXIT_CODES = [EXIT.usage, EXIT.stateUnrecoverable, EXIT.authRejected, EXIT.config].map(String);
// The default drain deadline on SIGTERM; TimeoutStopSec must leave room beyond it.
const DEFAULT_DRAIN_DEADLINE_MS =
  configSchema.parse({ server: { url: 'http://127.0.0.1:9380' }, folders: [{ path: '/srv/x', kb: 'x' }] }).daemon
    .drainTimeoutSeconds * 1000;
const MAX_EXPOSURE = 2.0;

const HARDENING_MARKER = '# ---- Hardening.';
const REQUIRED_HARDENING: Record<string, string> = {
  NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'read-only', PrivateTmp: 'yes',
  PrivateDevices: 'yes', ProtectKernelTunables: 'yes', ProtectKernelModules: 'yes', ProtectKernelLogs: 'yes',
  ProtectControlGroups: 'yes', RestrictNamespaces: 'yes', LockPersonality: 'yes', CapabilityBoundingSet: '',
  SystemCallErrorNumber: 'EPERM', SystemCallArchitectures: 'native',
  RestrictAddressFamilies: 'AF_UNIX AF_INET AF_INET6',
};

async function loadUnit(name: string): Promise<UnitFile> {
  return parseUnitFile(await readFile(unitPath(name), 'utf8'));
}

/** The [Service] directives after the hardening marker, which both services must share. */
function hardeningDirectives(unit: UnitFile): Array<{ key: string; value: string; line: number }> {
  const markerLine = unit.lines.findIndex((line) => line.startsWith(HARDENING_MARKER)) + 1;
  if (markerLine === 0) throw new Error(`no "${HARDENING_MARKER}" line`);
  return unit.directives.filter((d) => d.section === 'Service' && d.line > markerLine);
}

describe('ragflow-sync.service (the daemon)', () => {
  it('runs the installed bin with the system config, as its own user, tracked from exec', async () => {
    const unit = await loadUnit(DAEMON);
    const execStart = valueOf(unit, 'Service', 'ExecStart');
    expect(execProgram(execStart)).toBe('ragflow-sync');
    expect(execStart).toBe('ragflow-sync --config /etc/ragflow-sync/config.json');
    // The bare name only resolves if `npm install -g` creates a bin of that name.
    const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
    expect(Object.keys(pkg.bin ?? {})).toContain('ragflow-sync');
    expect(valueOf(unit, 'Service', 'Type')).toBe('exec');
    expect(valueOf(unit, 'Service', 'User')).toBe('ragflow-sync');
    expect(valueOf(unit, 'Install', 'WantedBy')).toBe('multi-user.target');
  });

  it('reloads with SIGHUP, drains on stop, and does not restart on permanent failures', async () => {
    const unit = await loadUnit(DAEMON);
    expect(valueOf(unit, 'Service', 'ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(valueOf(unit, 'Service', 'KillMode')).toBe('mixed');
    expect(valueOf(unit, 'Service', 'Restart')).toBe('on-failure');
    // No start limit: an outage longer than a few restarts must not leave the daemon dead for good.
    expect(valueOf(unit, 'Unit', 'StartLimitIntervalSec')).toBe('0');
    expect(valueOf(unit, 'Service', 'RestartPreventExitStatus').split(/\s+/)).toEqual(
      expect.arrayContaining(PERMANENT_EXIT_CODES),
    );
    expect(parseTimeSpanMs(valueOf(unit, 'Service', 'TimeoutStopSec'))).toBeGreaterThan(DEFAULT_DRAIN_DEADLINE_MS);
    expect(Number(valueOf(unit, 'Service', 'LimitNOFILE'))).toBeGreaterThanOrEqual(65536);
  });

  it('keeps state in the StateDirectory and the key in a credential, never in the unit', async () => {
    const unit = await loadUnit(DAEMON);
    expect(valueOf(unit, 'Service', 'StateDirectory')).toBe('ragflow-sync');
    // The program reads $CREDENTIALS_DIRECTORY/ragflow-api-key: the credential's name is an interface.
    expect(valueOf(unit, 'Service', 'LoadCredential')).toMatch(/^ragflow-api-key:\/etc\/ragflow-sync\/\S+$/);
    expect(valuesOf(unit, 'Service', 'EnvironmentFile')).toEqual([]);
    expect(commentedKeys(unit)).toContain('EnvironmentFile');
    for (const environment of valuesOf(unit, 'Service', 'Environment')) expect(environment).not.toMatch(/API_KEY/);
  });

  it('is hardened without the settings that kill Node', async () => {
    const unit = await loadUnit(DAEMON);
    for (const [key, value] of Object.entries(REQUIRED_HARDENING)) {
      expect({ key, values: valuesOf(unit, 'Service', key) }).toEqual({ key, values: [value] });
    }
    expect(valuesOf(unit, 'Service', 'ReadOnlyPaths').length).toBeGreaterThan(0);
    expect(valuesOf(unit, 'Service', 'SystemCallFilter')[0]).toBe('@system-service');
    // Regression guards, both measured: V8 aborts under W^X, and a killing seccomp filter ends Node
    // at start because @system-service (systemd 252) lacks pkey_alloc/pkey_mprotect.
    expect(valuesOf(unit, 'Service', 'MemoryDenyWriteExecute')).toEqual([]);
    expect(valuesOf(unit, 'Service', 'SystemCallErrorNumber')).toEqual(['EPERM']);
  });

  it('says above every hardening line what to relax if it bites', async () => {
    const unit = await loadUnit(DAEMON);
    const uncommented = hardeningDirectives(unit).filter((directive) => {
      // Walk up over the directives of the same group; the line above the group must be a comment.
      let index = directive.line - 2;
      while (index >= 0 && /^[A-Z][A-Za-z]*=/.test(unit.lines[index] ?? '')) index--;
      return !(unit.lines[index] ?? '').startsWith('#');
    });
    expect(uncommented.map((d) => `${d.line}: ${d.key}`)).toEqual([]);
  });
});

describe('ragflow-sync-reconcile.service and .timer (nightly --sync)', () => {
  it('runs --sync once with the same config, key and state as the daemon', async () => {
    const [daemon, reconcile] = await Promise.all([loadUnit(DAEMON), loadUnit(RECONCILE)]);
    expect(valueOf(reconcile, 'Service', 'Type')).toBe('oneshot');
    expect(valueOf(reconcile, 'Service', 'ExecStart')).toBe(`${valueOf(daemon, 'Service', 'ExecStart')} --sync`);
    for (const key of ['User', 'Group', 'StateDirectory', 'LoadCredential', 'UMask', 'KillMode', 'TimeoutStopSec']) {
      expect({ key, value: valueOf(reconcile, 'Service', key) }).toEqual({ key, value: valueOf(daemon, 'Service', key) });
    }
    // It must not race the daemon for the state file: skipped (not failed) while the daemon is active.
    expect(valueOf(reconcile, 'Service', 'ExecCondition')).toContain(`is-active ${DAEMON}`);
    expect(valueOf(reconcile, 'Service', 'SuccessExitStatus').split(/\s+/)).toContain(String(EXIT.stateLocked));
  });

  it('carries exactly the daemon hardening', async () => {
    const [daemon, reconcile] = await Promise.all([loadUnit(DAEMON), loadUnit(RECONCILE)]);
    const strip = (unit: UnitFile): string[] => hardeningDirectives(unit).map((d) => `${d.key}=${d.value}`);
    expect(strip(reconcile)).toEqual(strip(daemon));
  });

  it('is started nightly, catching up missed runs, at a randomized time', async () => {
    const timer = await loadUnit(TIMER);
    expect(valueOf(timer, 'Timer', 'OnCalendar')).toMatch(/\S/);
    expect(valueOf(timer, 'Timer', 'Persistent')).toBe('true');
    expect(parseTimeSpanMs(valueOf(timer, 'Timer', 'RandomizedDelaySec'))).toBeGreaterThan(0);
    expect(valueOf(timer, 'Timer', 'Unit')).toBe(RECONCILE);
    expect(valueOf(timer, 'Install', 'WantedBy')).toBe('timers.target');
  });
});

const analyze = await findSystemdAnalyze();
if (analyze === undefined) {
  console.warn('systemd-analyze not found on PATH: skipping `verify` and `security` checks of systemd/*');
}

describe.skipIf(analyze === undefined)('systemd-analyze (skipped where systemd-analyze is not installed)', () => {
  const cleanup: string[] = [];
  afterAll(async () => {
    await Promise.all(cleanup.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  const rootFor = async (unitFiles: string[], npmPrefix: '/usr/local' | '/usr' | undefined): Promise<string> => {
    const root = await buildVerifyRoot({ unitFiles, npmPrefix });
    cleanup.push(root);
    return root;
  };

  it.each(['/usr/local', '/usr'] as const)('verify prints nothing when installed with npm prefix %s', async (prefix) => {
    const root = await rootFor(ALL_UNITS.map(unitPath), prefix);
    const result = await verifyUnits(analyze!, root, ALL_UNITS);
    // verify exits 0 even for unknown keys and bad values, so any output at all is a failure.
    expect(result.stdout + result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('control: verify reports a misspelt key on our unit text, with exit code 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ragflow-sync-unit-'));
    cleanup.push(dir);
    const broken = (await readFile(unitPath(DAEMON), 'utf8')).replace('\nProtectSystem=strict', '\nProtectSytem=strict');
    await writeFile(join(dir, DAEMON), broken);
    const result = await verifyUnits(analyze!, await rootFor([join(dir, DAEMON)], '/usr/local'), [DAEMON]);
    expect(result.stdout + result.stderr).toMatch(/Unknown key 'ProtectSytem'/);
    expect(result.exitCode).toBe(0);
  });

  it('control: verify rejects the units when ragflow-sync is not installed', async () => {
    const root = await rootFor(ALL_UNITS.map(unitPath), undefined);
    const result = await verifyUnits(analyze!, root, [DAEMON]);
    expect(result.stdout + result.stderr).toMatch(/ragflow-sync is not executable/);
  });

  it.each([DAEMON, RECONCILE])(`security --offline rates %s at ${MAX_EXPOSURE.toFixed(1)} or lower`, async (name) => {
    const { score } = await securityExposure(analyze!, unitPath(name));
    console.info(`systemd-analyze security --offline=true ${name}: overall exposure ${score.toFixed(1)}`);
    expect(score).toBeLessThanOrEqual(MAX_EXPOSURE);
  });

  it('control: security --offline rates a unhardened unit above the limit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ragflow-sync-unit-'));
    cleanup.push(dir);
    await writeFile(join(dir, 'bare.service'), '[Service]\nExecStart=/bin/true\n');
    const { score } = await securityExposure(analyze!, join(dir, 'bare.service'));
    expect(score).toBeGreaterThan(MAX_EXPOSURE);
  });
});
