#!/usr/bin/env node
// bin entry. Installs the SIGHUP handler before anything else loads: Node's default action for SIGHUP is
// to exit, and systemd's ExecReload sends it (a reload during start-up must not kill the service).
let onHangup: () => void = () => undefined;
process.on('SIGHUP', () => onHangup());

// `--sync` walks each folder in a worker thread; starting that thread now lets its boot overlap the
// loading of everything else (a no-op sync of a large folder waits for the walk, not for the rest).
if (process.argv.includes('--sync')) {
  const { prestartScanWorker } = await import('./adapters/threaded-scanner.js');
  prestartScanWorker();
}

const { run } = await import('./cli/main.js');
run((handler) => {
  onHangup = handler;
});
