import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

/**
 * The review page for merchandisers at /review: plain HTML and CSS from
 * here, and the page's script, compiled by the gateway's own build from
 * src/http/review/ (ES modules the browser loads as they are: no bundler,
 * no CDN, so it works on an offline company network like the playground).
 * It is on in production too: every action it offers needs an editor key
 * there, because the API it calls does.
 */

/** The page's modules, by the name the page loads them under; nothing else in the folder is served. */
const MODULES = ['page.js', 'api.js', 'documents.js', 'detail.js', 'dom.js', 'highlight.js', 'words.js'];
const moduleUrl = (name: string) => new URL(`./review/${name}`, import.meta.url);

/**
 * The experiments page's modules, by their path under the compiled src/:
 * served under /review/assets/lib/ in the same tree, so that their relative
 * imports (the page's own, and the report CLI's renderer it shares) resolve
 * in the browser as they do in Node. Nothing else under src/ is served.
 */
const LIB_MODULES = [
  'http/review/experiments.js',
  'http/review/api.js',
  'http/review/documents.js',
  'http/review/dom.js',
  'http/review/words.js',
  'experiments/report-html.js',
  'experiments/intervals.js',
  'experiments/special.js',
  'experiments/types.js',
  'evaluation/benchmark/report/format.js',
  'evaluation/benchmark/report/svg.js',
  'errors/unreachable.js',
];
const LIB = 'lib/';

const SHORTCUTS: Array<[string, string]> = [
  ['j', 'next text in the queue'],
  ['k', 'previous text'],
  ['a', 'approve'],
  ['e', 'edit (Ctrl+Enter saves, Esc cancels)'],
  ['r', 'reject (asks for a reason)'],
  ['p', 'publish'],
  ['?', 'this list'],
];
const shortcutList = SHORTCUTS.map(([key, what]) => `<div><dt><kbd>${key}</kbd></dt><dd>${what}</dd></div>`).join('');

const STATUSES = ['IN_REVIEW', 'DRAFT', 'APPROVED', 'PUBLISHED', 'REJECTED', 'SUPERSEDED'];

const CSS = `
:root{--ink:#1f2937;--muted:#4b5563;--line:#d1d5db;--brand:#0f766e;--block:#b91c1c;--review:#92400e;--bg:#f9fafb}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,sans-serif;color:var(--ink);background:var(--bg)}
header{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;padding:8px 16px;background:var(--brand);color:#fff}
header h1{font-size:18px;margin:0;flex:1}
header button{font:inherit}
button,input,select,textarea{font:inherit}
button{padding:4px 12px;border:1px solid var(--muted);border-radius:4px;background:#fff;color:var(--ink);cursor:pointer}
button:disabled{opacity:.45;cursor:not-allowed}
button.primary{background:var(--brand);border-color:var(--brand);color:#fff}
:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
#filters{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:end;padding:8px 16px;border-bottom:1px solid var(--line);background:#fff}
#filters label{display:flex;flex-direction:column;font-size:13px;color:var(--muted)}
#filters input,#filters select{padding:3px 6px;border:1px solid var(--muted);border-radius:4px;color:var(--ink);min-width:9em}
main{display:grid;grid-template-columns:minmax(240px,320px) 1fr;gap:0;min-height:calc(100vh - 120px)}
#queue-pane{border-right:1px solid var(--line);background:#fff;padding:8px;overflow:auto;max-height:calc(100vh - 120px)}
#queue-pane h2{font-size:15px;margin:4px 4px 8px}
#queue{list-style:none;margin:0;padding:0}
.queue-item{display:flex;flex-direction:column;align-items:flex-start;width:100%;text-align:left;border:1px solid transparent;border-radius:4px;margin-bottom:4px;padding:6px 8px;background:none}
.queue-item[aria-current]{border-color:var(--brand);background:#ecfdf5}
.queue-item .title{font-weight:600}
.queue-item .model{font-size:13px;color:var(--muted)}
.verdict{font-size:13px;font-weight:600}
.verdict-block{color:var(--block)}
.verdict-review{color:var(--review)}
.verdict-pass{color:#166534}
#detail{padding:12px 20px;display:grid;grid-template-columns:1fr minmax(200px,280px);gap:16px;align-content:start}
#detail-main{min-width:0}
#detail-heading{font-size:20px;margin:0}
.meta{color:var(--muted);margin:4px 0 12px}
.text{font-size:17px;line-height:1.7;background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px 16px;white-space:pre-wrap}
mark{border-radius:2px;padding:0 1px;color:inherit}
mark.block{background:#fee2e2;text-decoration:underline wavy var(--block);text-underline-offset:3px}
mark.review{background:#fef3c7;text-decoration:underline dotted var(--review);text-underline-offset:3px}
sup.ref{font-size:11px;font-weight:700;color:var(--muted);margin-left:1px}
.findings{padding-left:24px}
.findings li{margin-bottom:6px}
.findings li.block strong{color:var(--block)}
.findings li.review strong{color:var(--review)}
.code{color:var(--muted);font-size:12px;font-family:ui-monospace,monospace}
.no-findings{color:#166534}
#actions{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}
kbd{font:12px ui-monospace,monospace;border:1px solid currentColor;border-bottom-width:2px;border-radius:3px;padding:0 4px}
form.panel{background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px;margin:8px 0}
form.panel label{display:block;font-weight:600;margin-bottom:4px}
form.panel textarea,form.panel input{width:100%;padding:6px;border:1px solid var(--muted);border-radius:4px}
form.panel textarea{min-height:10em}
form.panel .buttons{display:flex;gap:8px;margin-top:8px}
.message{min-height:1.5em;margin:8px 0}
.message.problem{color:var(--block);font-weight:600}
#product:empty{display:none}
#product{background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px 12px;align-self:start}
#product h3{margin:0 0 8px;font-size:15px}
#product dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:0}
#product dt{color:var(--muted)}
#product dd{margin:0}
#bulk{display:flex;gap:8px;align-items:center;margin:0 4px 8px}
dialog{border:1px solid var(--muted);border-radius:8px;max-width:32em}
dialog dl div{display:flex;gap:12px}
dialog dt{width:2em}
dialog dd{margin:0}
footer{padding:8px 16px;color:var(--muted);font-size:13px;border-top:1px solid var(--line)}
footer kbd{margin:0 2px}
header a{color:#fff}
#experiment-list{list-style:none;margin:0;padding:0}
#experiment-list .queue-item{color:inherit;text-decoration:none}
#experiment-pane{padding:12px 20px;max-width:800px}
#experiment-pane table{border-collapse:collapse;width:100%;font-size:14px;background:#fff}
#experiment-pane td,#experiment-pane th{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left}
.decision{font-size:17px;padding:8px 12px;border-left:4px solid var(--brand);background:#fff}
.muted{color:var(--muted)}
#key-form:not([hidden]){display:flex;gap:8px;align-items:end;padding:8px 16px;background:#fff;border-bottom:1px solid var(--line)}
@media (max-width:1100px){#detail{grid-template-columns:1fr}}
@media (max-width:760px){main{grid-template-columns:1fr}#queue-pane{max-height:40vh;border-right:0;border-bottom:1px solid var(--line)}}
`;

const HEAD = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>StyleSprint · Review descriptions</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/favicon.ico">
<link rel="stylesheet" href="/review/assets/review.css">
<script type="module" src="/review/assets/page.js"></script>
</head>
`;

const BODY = `<header>
<h1>Review descriptions</h1>
<span id="key-status" role="status"></span>
<button type="button" id="key-enter" hidden>Enter key</button>
<button type="button" id="key-forget" hidden>Forget key</button>
<button type="button" id="help-open" aria-keyshortcuts="?">Shortcuts <kbd>?</kbd></button>
</header>
<form id="filters" aria-label="Filter the queue">
<label for="filter-status">Status<select id="filter-status">${STATUSES.map((s) => `<option value="${s}">${s}</option>`).join('')}</select></label>
<label for="filter-verdict">Fact check<select id="filter-verdict"><option value="">Any verdict</option><option value="BLOCK">Blocked by the check</option><option value="REVIEW">Needs a look</option><option value="PASS">Passes the check</option></select></label>
<label for="filter-category">Category<input id="filter-category" placeholder="e.g. knitwear"></label>
<label for="filter-model">Model<input id="filter-model" placeholder="e.g. gpt-3.5-turbo-instruct"></label>
<button type="submit">Apply filters</button>
</form>
<main>
<section id="queue-pane" aria-labelledby="queue-heading">
<h2 id="queue-heading">Queue · <span id="queue-count">loading…</span></h2>
<div id="bulk"><button type="button" id="bulk-approve" disabled>Approve all passing texts shown</button></div>
<ol id="queue" aria-label="Texts in the queue"></ol>
<p id="queue-empty" hidden>Nothing here for these filters.</p>
</section>
<section id="detail" aria-labelledby="detail-heading" aria-live="polite">
<div id="detail-main">
<h2 id="detail-heading" tabindex="-1">Pick a text from the queue</h2>
<p id="detail-empty">Choose a text on the left, or press <kbd>j</kbd>.</p>
<div id="detail-body" hidden>
<div id="detail-meta"></div>
<p id="text" class="text"></p>
<h3>Findings of the fact check</h3>
<ol id="findings"></ol>
<div id="actions" role="toolbar" aria-label="Actions">
<button type="button" id="action-approve" class="primary" aria-keyshortcuts="a">Approve <kbd>a</kbd></button>
<button type="button" id="action-edit" aria-keyshortcuts="e">Edit <kbd>e</kbd></button>
<button type="button" id="action-reject" aria-keyshortcuts="r">Reject <kbd>r</kbd></button>
<button type="button" id="action-publish" class="primary" aria-keyshortcuts="p">Publish <kbd>p</kbd></button>
</div>
<form id="edit-form" class="panel" hidden>
<label id="edit-label" for="edit-text">Text</label>
<textarea id="edit-text" spellcheck="true"></textarea>
<p class="code">The fact check runs again when you save.</p>
<div class="buttons"><button type="submit" class="primary">Save <kbd>Ctrl+Enter</kbd></button><button type="button" data-cancel>Cancel <kbd>Esc</kbd></button></div>
</form>
<form id="reject-form" class="panel" hidden>
<label for="reject-reason">Why is this text rejected?</label>
<input id="reject-reason" required placeholder="e.g. wrong material, off-brand tone">
<div class="buttons"><button type="submit" class="primary">Reject</button><button type="button" data-cancel>Cancel <kbd>Esc</kbd></button></div>
</form>
<form id="override-form" class="panel" hidden>
<label for="override-note">Publish anyway? Say why the findings are wrong (kept on record)</label>
<textarea id="override-note" required></textarea>
<div class="buttons"><button type="submit">Publish anyway</button><button type="button" data-cancel>Cancel <kbd>Esc</kbd></button></div>
</form>
<p id="message" class="message" role="alert"></p>
</div>
</div>
<aside id="product" aria-label="Product record"></aside>
</section>
</main>
<footer>Shortcuts: <kbd>j</kbd>/<kbd>k</kbd> next/previous · <kbd>a</kbd> approve · <kbd>e</kbd> edit · <kbd>r</kbd> reject · <kbd>p</kbd> publish · <kbd>?</kbd> help</footer>
<dialog id="key-dialog" aria-labelledby="key-title">
<form id="key-form" method="dialog">
<h2 id="key-title">Editor key</h2>
<p id="key-why"></p>
<label for="key-input">API key with the editor role</label>
<input id="key-input" type="password" autocomplete="off" spellcheck="false" required>
<p class="code">Kept in this browser tab only, until you close it.</p>
<button type="submit" class="primary">Use key</button>
</form>
</dialog>
<dialog id="help-dialog" aria-labelledby="help-title">
<h2 id="help-title">Keyboard shortcuts</h2>
<dl>${shortcutList}</dl>
<form method="dialog"><button type="submit">Close</button></form>
</dialog>
</body>
</html>`;

const EXPERIMENTS_BODY = `<header>
<h1>Experiments</h1>
<a href="/review">Review descriptions</a>
<button type="button" id="key-forget" hidden>Forget key</button>
</header>
<form id="key-form" hidden aria-label="Internal key">
<label for="key-input">API key with the internal role<br><input id="key-input" type="password" autocomplete="off" spellcheck="false" required></label>
<button type="submit" class="primary">Use key</button>
<span class="code">Kept in this browser tab only, until you close it.</span>
</form>
<main>
<section id="queue-pane" aria-labelledby="list-heading">
<h2 id="list-heading">Experiments · <span id="experiment-count">loading…</span></h2>
<ol id="experiment-list" aria-label="Experiments"></ol>
<p id="experiments-empty" hidden>No experiments yet.</p>
</section>
<section id="experiment-pane" aria-labelledby="experiment-heading" aria-live="polite">
<h2 id="experiment-heading" tabindex="-1">Pick an experiment</h2>
<p id="experiment-meta" class="meta"></p>
<p id="message" class="message" role="alert"></p>
<div id="experiment-view"></div>
</section>
</main>
</body>
</html>`;

/** The experiments page (internal key): its script is the lib tree's, see LIB_MODULES. */
export function serveExperimentsPage(res: ServerResponse, needsKey: boolean): void {
  const head = HEAD.replace('Review descriptions', 'Experiments').replace(
    '/review/assets/page.js',
    `/review/assets/${LIB}http/review/experiments.js`,
  );
  res.writeHead(200, { ...HEADERS, 'content-type': 'text/html; charset=utf-8' });
  res.end(`${head}<body data-needs-key="${needsKey}">\n${EXPERIMENTS_BODY}`);
}

const page = (needsKey: boolean) => `${HEAD}<body data-needs-key="${needsKey}">\n${BODY}`;

const HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};

/**
 * The page, told whether the gateway has keys (an open gateway takes every
 * caller as internal), so that it asks for the editor key before its first
 * request rather than after a refusal, and never asks in open mode.
 */
export function serveReviewPage(res: ServerResponse, needsKey: boolean): void {
  res.writeHead(200, { ...HEADERS, 'content-type': 'text/html; charset=utf-8' });
  res.end(page(needsKey));
}

/** Serves the stylesheet or one of the page's modules; false when the name is not one of them. */
export function serveReviewAsset(name: string, res: ServerResponse): boolean {
  if (name === 'review.css') {
    res.writeHead(200, { ...HEADERS, 'content-type': 'text/css; charset=utf-8' });
    res.end(CSS);
    return true;
  }
  const lib =
    name.startsWith(LIB) && LIB_MODULES.includes(name.slice(LIB.length))
      ? new URL(`../${name.slice(LIB.length)}`, import.meta.url)
      : null;
  if (!lib && !MODULES.includes(name)) return false;
  // Read per request: a few small files, and a rebuilt dist/ is served without a restart.
  const source = readFileSync(lib ?? moduleUrl(name), 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/, '\n');
  res.writeHead(200, { ...HEADERS, 'content-type': 'text/javascript; charset=utf-8' });
  res.end(source);
  return true;
}
