#!/usr/bin/env node
// bin entry. Installs the SIGHUP handler before anything else loads: Node's default action for SIGHUP is
// to exit, and systemd's ExecReload sends it (a reload during start-up must not kill the service).
import { parseArgs } from 'node:util';
import { ListingProbe } from './adapters/tree-listing.js';
import { peekFolderRoots } from './config/peek-roots.js';

let onHangup: () => void = () => undefined;
process.on('SIGHUP', () => onHangup());

// `--sync --skip-listing` first lists each folder's tree with GNU find, in its own process, while the rest
// loads: when nothing changed since the last settled run, that is all the run has to do (src/settled-run.ts).
// Other `--sync` runs walk each folder in a worker thread; starting that thread now, with the config file
// to guess the first folder from, lets the walk run while everything else loads (a no-op sync of a large
// folder waits for the walk, not for the rest). The engine still asks for the walk it needs
// (threaded-scanner.ts). The two are not combined: on two cores they would slow each other down.
const early = parseArgs({
  args: process.argv.slice(2),
  options: { config: { type: 'string', short: 'c' }, sync: { type: 'boolean' }, 'skip-listing': { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
  strict: false,
  allowPositionals: true,
});
const configFile = typeof early.values.config === 'string' ? early.values.config : undefined;
let probe: ListingProbe | undefined;
if (early.values.sync === true && early.values['skip-listing'] === true && early.values['dry-run'] !== true && configFile !== undefined) {
  probe = new ListingProbe();
  for (const root of peekFolderRoots(configFile)) probe.start(root);
} else if (early.values.sync === true) {
  const { prestartScanWorker } = await import('./adapters/threaded-scanner.js');
  prestartScanWorker(configFile);
}

const { run } = await import('./cli/main.js');
run((handler) => {
  onHangup = handler;
}, probe);
