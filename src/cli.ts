#!/usr/bin/env node
// bin entry. Installs the SIGHUP handler before anything else loads: Node's default action for SIGHUP is
// to exit, and systemd's ExecReload sends it (a reload during start-up must not kill the service).
let onHangup: () => void = () => undefined;
process.on('SIGHUP', () => onHangup());

const { run } = await import('./cli/main.js');
run((handler) => {
  onHangup = handler;
});
