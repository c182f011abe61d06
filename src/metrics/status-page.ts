// The read-only status page at `/`: one self-contained HTML document (inline CSS, one inline script that
// re-fetches the page body every few seconds; a <noscript> refresh without it). No forms, no actions,
// no external assets. Everything interpolated is escaped.
import { shortMessage, PARSE_STATES, type DocumentParse } from '../status/parse-states.js';
import type { FolderSnapshot, ServiceSnapshot } from './service-snapshot.js';

export const REFRESH_SECONDS = 5;
const MAX_ROWS = 50;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export function renderStatusPage(snapshot: ServiceSnapshot, options: { version: string; nonce: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ragflow-sync status</title>
<noscript><meta http-equiv="refresh" content="${REFRESH_SECONDS * 2}"></noscript>
<style>${CSS}</style>
</head>
<body>
<header><h1>ragflow-sync <small>${escapeHtml(options.version)}</small></h1><p class="hint">Read-only; refreshes every ${REFRESH_SECONDS} s.</p></header>
<main id="status">${renderStatusBody(snapshot)}</main>
<script nonce="${escapeHtml(options.nonce)}">${SCRIPT}</script>
</body>
</html>
`;
}

/** The part that the page's script swaps in on every refresh. */
export function renderStatusBody(s: ServiceSnapshot): string {
  const health = s.healthy
    ? '<p class="banner ok" id="health">Healthy: watching every folder, the server answers.</p>'
    : `<p class="banner bad" id="health">Unhealthy: ${escapeHtml(s.reason ?? 'unknown')}</p>`;
  const queue = `<p class="queue">Server requests waiting ${s.queue.waiting}, running ${s.queue.running} · changed paths waiting ${s.queue.hints} · as of <time datetime="${iso(s.now)}">${iso(s.now)}</time></p>`;
  return `${health}\n${queue}\n${s.folders.map((f) => renderFolder(f, s.now)).join('\n')}`;
}

function renderFolder(f: FolderSnapshot, now: number): string {
  const watcher = !f.rootOk ? 'root missing' : !f.watching ? 'not watching' : f.degraded ? 'degraded (inotify limit)' : 'watching';
  const stat = (name: string, label: string, value: string | number, bad = false) =>
    `<div class="stat${bad ? ' bad' : ''}"><dt>${label}</dt><dd data-stat="${name}">${escapeHtml(String(value))}</dd></div>`;
  const reconciled = f.lastReconcileAt === undefined ? 'never' : `${ago(now - f.lastReconcileAt)} ago`;
  const parts = [
    `<section class="folder" data-kb="${escapeHtml(f.kb)}">`,
    `<h2>${escapeHtml(f.path)} <span class="arrow">→</span> ${escapeHtml(f.kb)}</h2>`,
    '<dl class="stats">',
    stat('tracked', 'tracked', f.tracked),
    stat('pending', 'pending', f.pending),
    stat('failed', 'failed', f.failed.length, f.failed.length > 0),
    stat('held', 'held deletes', f.held, f.held > 0),
    stat('skipped', 'skipped', f.skipped),
    stat('watcher', 'watcher', watcher, watcher !== 'watching'),
    `<div class="stat"><dt>last reconcile</dt><dd data-stat="last-reconcile">${f.lastReconcileAt === undefined ? 'never' : `<time datetime="${iso(f.lastReconcileAt)}" title="${iso(f.lastReconcileAt)}">${reconciled}</time>`}</dd></div>`,
    '</dl>',
  ];
  if (f.lastError) parts.push(`<p class="banner bad">Last run: ${escapeHtml(f.lastError)}</p>`);
  if (f.held > 0) parts.push(`<p class="banner warn">${f.held} deletion(s) held (${escapeHtml(f.heldReason ?? 'guard')}): run <code>--sync --allow-mass-delete</code> to apply them.</p>`);
  if (f.failed.length > 0) {
    const rows = f.failed.slice(0, MAX_ROWS).map((x) => `<tr><td>${escapeHtml(x.path)}</td><td>${escapeHtml(x.error)}${x.permanent ? ' <em>(not retried until the file changes)</em>' : ''}</td></tr>`);
    parts.push(`<h3>Failures</h3>\n<table class="failures"><thead><tr><th>file</th><th>error</th></tr></thead><tbody>${rows.join('')}</tbody></table>${more(f.failed.length)}`);
  }
  parts.push(renderParse(f));
  parts.push('</section>');
  return parts.join('\n');
}

function renderParse(f: FolderSnapshot): string {
  if (!f.parse) return '<p class="parse muted">Parse states: not read yet.</p>';
  const chips = PARSE_STATES.filter((state) => (f.parse?.counts[state] ?? 0) > 0)
    .map((state) => `<span class="chip ${state.toLowerCase()}" data-parse="${state}">${state} ${f.parse?.counts[state] ?? 0}</span>`)
    .join(' ');
  const missing = f.parse.missing > 0 ? ` <span class="chip fail">${f.parse.missing} not on the server</span>` : '';
  const open = f.parse.documents.filter((d) => d.run !== 'DONE');
  const head = `<h3>Parsing <small>as of ${iso(f.parse.readAt)}</small></h3>\n<p class="parse">${chips || 'no documents'}${missing}</p>`;
  if (open.length === 0) return head;
  const rows = open.slice(0, MAX_ROWS).map((d) => `<tr class="${d.run.toLowerCase()}"><td>${escapeHtml(d.path)}</td><td>${d.run}</td><td>${progress(d)}</td><td>${escapeHtml(shortMessage(d.message))}</td></tr>`);
  return `${head}\n<table class="parsing"><thead><tr><th>document</th><th>state</th><th>progress</th><th>message</th></tr></thead><tbody>${rows.join('')}</tbody></table>${more(open.length)}`;
}

function progress(d: DocumentParse): string {
  if (d.progress === undefined || d.progress < 0) return '–';
  const pct = Math.round(Math.min(d.progress, 1) * 100);
  return `<progress max="100" value="${pct}"></progress> ${pct}%`;
}

function more(count: number): string {
  return count > MAX_ROWS ? `<p class="muted">… and ${count - MAX_ROWS} more (see /status.json)</p>` : '';
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

// Swaps in a fresh body; on a failed fetch it says so and keeps the last good one.
const SCRIPT = `
(function () {
  var main = document.getElementById('status');
  function tick() {
    fetch('/fragment', { cache: 'no-store' }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.text();
    }).then(function (html) { main.innerHTML = html; main.classList.remove('stale'); })
      .catch(function () { main.classList.add('stale'); })
      .then(function () { setTimeout(tick, ${REFRESH_SECONDS * 1000}); });
  }
  setTimeout(tick, ${REFRESH_SECONDS * 1000});
})();
`;

const CSS = `
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --muted: #6e7781; --line: #d0d7de; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem 3rem; }
header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; }
h1 { font-size: 1.4rem; margin: .3rem 0; } h1 small { color: var(--muted); font-weight: normal; font-size: .9rem; }
h2 { font-size: 1.1rem; margin: 0 0 .6rem; word-break: break-all; } h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
h3 small, .muted, .hint, .queue { color: var(--muted); font-weight: normal; }
.banner { padding: .5rem .8rem; border-radius: 6px; border: 1px solid; }
.banner.ok { color: var(--ok); border-color: var(--ok); } .banner.bad { color: var(--bad); border-color: var(--bad); }
.banner.warn { color: var(--warn); border-color: var(--warn); }
.folder { border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin: 1rem 0; }
.stats { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; margin: 0; }
.stat dt { font-size: .75rem; text-transform: uppercase; color: var(--muted); } .stat dd { margin: 0; font-size: 1.2rem; }
.stat.bad dd { color: var(--bad); }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; word-break: break-word; }
.chip { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; border: 1px solid var(--line); font-size: .85rem; }
.chip.done { color: var(--ok); border-color: var(--ok); } .chip.fail { color: var(--bad); border-color: var(--bad); }
.chip.running, .chip.unstart { color: var(--warn); border-color: var(--warn); }
tr.fail td:nth-child(2) { color: var(--bad); font-weight: 600; }
progress { width: 5rem; vertical-align: middle; }
.stale { opacity: .55; }
`;
