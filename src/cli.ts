#!/usr/bin/env node
// bin entry. Installs the SIGHUP handler before anything else loads: Node's default action for SIGHUP is
// to exit, and systemd's ExecReload sends it (a reload during start-up must not kill the service).
import { parseArgs } from 'node:util';
import { ListingProbe } from './adapters/tree-listing.js';
import { peekConfig, peekFolderRoots } from './config/peek-config.js';

let onHangup: () => void = () => undefined;
process.on('SIGHUP', () => onHangup());

/** `--sync --skip-listing` with nothing else but -q and --log-level: the settled shortcut may apply. */
function shortcutRequest(): { configFile: string; quiet: boolean; levelFlag: string | undefined } | undefined {
  try {
    const { values, positionals } = parseArgs({
      args: process.argv.slice(2),
      options: { config: { type: 'string', short: 'c' }, sync: { type: 'boolean' }, 'skip-listing': { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' }, 'log-level': { type: 'string' } },
      allowPositionals: true,
    });
    if (positionals.length > 0 || values.sync !== true || values['skip-listing'] !== true || values.config === undefined) return undefined;
    return { configFile: values.config, quiet: values.quiet === true, levelFlag: values['log-level'] };
  } catch {
    return undefined; // anything else on the command line: the full path says what it makes of it
  }
}

// `--sync --skip-listing` lists each folder's tree with GNU find first, in its own process, and only then
// loads the little it needs to compare that with the last settled run: when nothing changed, that is the
// whole run (src/settled-shortcut.ts). Otherwise, and for every other `--sync`, a worker thread is started
// now to walk the first folder (guessed from the config file) while the engine loads (threaded-scanner.ts).
const early = parseArgs({ args: process.argv.slice(2), options: { config: { type: 'string', short: 'c' }, sync: { type: 'boolean' } }, strict: false, allowPositionals: true });
const shortcut = shortcutRequest();
if (shortcut !== undefined) {
  const peeked = peekConfig(shortcut.configFile);
  const probe = new ListingProbe();
  for (const root of peekFolderRoots(peeked)) probe.start(root);
  let code;
  try {
    const { trySettledShortcut } = await import('./settled-shortcut.js');
    code = await trySettledShortcut({ peeked, probe, quiet: shortcut.quiet, levelFlag: shortcut.levelFlag, env: process.env });
  } catch {
    code = undefined; // the shortcut is only ever an optimisation: on any surprise the engine runs
  }
  if (code !== undefined) process.exit(code);
  probe.cancel();
}
if (early.values.sync === true) {
  const { prestartScanWorker } = await import('./adapters/threaded-scanner.js');
  prestartScanWorker(typeof early.values.config === 'string' ? early.values.config : undefined);
}

const { run } = await import('./cli/main.js');
run((handler) => {
  onHangup = handler;
});
