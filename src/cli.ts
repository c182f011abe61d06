#!/usr/bin/env node
// bin entry. Installs the SIGHUP handler before anything else loads: Node's default action for SIGHUP is
// to exit, and systemd's ExecReload sends it (a reload during start-up must not kill the service).
import { parseArgs } from 'node:util';

let onHangup: () => void = () => undefined;
process.on('SIGHUP', () => onHangup());

// `--sync` walks each folder in a worker thread. Starting that thread now, with the config file to guess
// the first folder from, lets the walk run while everything else loads (a no-op sync of a large folder
// waits for the walk, not for the rest). The engine still asks for the walk it needs (threaded-scanner.ts).
const early = parseArgs({ args: process.argv.slice(2), options: { config: { type: 'string', short: 'c' }, sync: { type: 'boolean' } }, strict: false, allowPositionals: true });
if (early.values.sync === true) {
  const { prestartScanWorker } = await import('./adapters/threaded-scanner.js');
  prestartScanWorker(typeof early.values.config === 'string' ? early.values.config : undefined);
}

const { run } = await import('./cli/main.js');
run((handler) => {
  onHangup = handler;
});
