import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ServerResponse } from 'node:http';

const require = createRequire(import.meta.url);

/**
 * The playground is GraphiQL from the npm package, served from node_modules:
 * no CDN, because the gateway runs on offline company networks.
 */
const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));
const ASSETS: Record<string, { file: string; type: string }> = {
  'react.js': { file: path.join(packageDir('react'), 'umd', 'react.production.min.js'), type: 'text/javascript' },
  'react-dom.js': {
    file: path.join(packageDir('react-dom'), 'umd', 'react-dom.production.min.js'),
    type: 'text/javascript',
  },
  'graphiql.js': { file: path.join(packageDir('graphiql'), 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.css': { file: path.join(packageDir('graphiql'), 'graphiql.min.css'), type: 'text/css' },
};

/**
 * The page asks for the key itself once the gateway has keys: GraphiQL
 * would otherwise show UNAUTHENTICATED with no hint. The key lives in this
 * tab's sessionStorage (a `#key=` fragment is moved there and dropped from
 * the address), goes out only as the Authorization header, and never
 * appears in a URL query, so no access log or proxy sees it.
 */
const PAGE_SCRIPT = `
  const STORE = 'stylesprint.playground.key';
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('key');
  if (fromHash) {
    sessionStorage.setItem(STORE, fromHash);
    history.replaceState(null, '', location.pathname);
  }
  const bar = document.getElementById('key-bar');
  const input = document.getElementById('key-input');
  const status = document.getElementById('key-status');
  const forget = document.getElementById('key-forget');
  const currentKey = () => sessionStorage.getItem(STORE);
  function showStatus(message, problem) {
    status.textContent = message;
    bar.classList.toggle('problem', problem);
    forget.hidden = !currentKey();
  }
  function keyStatus() {
    const key = currentKey();
    showStatus(key ? 'A key ending in ' + key.slice(-4) + ' is set for this tab.' : 'No key set (none is needed while the gateway has no keys).', false);
  }
  function onAnswer(result) {
    const codes = ((result && result.errors) || []).map((e) => e.extensions && e.extensions.code);
    if (codes.includes('UNAUTHENTICATED')) {
      showStatus(currentKey() ? 'The gateway refused this key (UNAUTHENTICATED): paste another one.' : 'The gateway needs an API key (UNAUTHENTICATED): paste one with the internal role.', true);
      input.focus();
    } else if (codes.includes('FORBIDDEN')) {
      showStatus("This key's role may not do that (FORBIDDEN): the playground's schema needs the internal role.", true);
    }
    return result;
  }
  function render() {
    const key = currentKey();
    const base = GraphiQL.createFetcher({
      url: new URL('/graphql', location.href).toString(),
      headers: key ? { authorization: 'Bearer ' + key } : {},
    });
    const fetcher = async (params, options) => onAnswer(await base(params, options));
    root.render(React.createElement(GraphiQL, { fetcher, defaultQuery, defaultEditorToolsVisibility: true }));
  }
  bar.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    sessionStorage.setItem(STORE, key);
    input.value = '';
    keyStatus();
    render();
  });
  forget.addEventListener('click', () => {
    sessionStorage.removeItem(STORE);
    keyStatus();
    render();
  });
  const defaultQuery = '# StyleSprint Gateway\\n{\\n  products(first: 5) {\\n    totalCount\\n    edges { node { id sku title category } }\\n  }\\n}\\n';
  const root = ReactDOM.createRoot(document.getElementById('graphiql'));
  keyStatus();
  render();
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>StyleSprint Gateway · Playground</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/favicon.ico">
<link rel="stylesheet" href="/playground/assets/graphiql.css">
<style>
html,body{height:100%;margin:0}
body{display:flex;flex-direction:column;font:14px system-ui,sans-serif}
#graphiql{flex:1;min-height:0}
#key-bar{display:flex;gap:8px;align-items:center;padding:6px 12px;background:#f3f4f6;border-bottom:1px solid #d1d5db}
#key-bar.problem{background:#fef3c7;border-bottom-color:#d97706}
#key-bar input{width:22em;padding:3px 6px;font:inherit}
#key-status{color:#374151}
</style>
</head>
<body>
<form id="key-bar" autocomplete="off">
<label for="key-input">API key</label>
<input id="key-input" type="password" spellcheck="false" placeholder="paste a key (internal role)">
<button type="submit">Use key</button>
<button type="button" id="key-forget" hidden>Forget key</button>
<span id="key-status" role="status"></span>
</form>
<div id="graphiql">Loading the playground…</div>
<script src="/playground/assets/react.js"></script>
<script src="/playground/assets/react-dom.js"></script>
<script src="/playground/assets/graphiql.js"></script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>`;

export function servePlayground(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy':
      "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:",
  });
  res.end(PAGE);
}

/** Serves one of the known assets; false when the name is not one of them. */
export function servePlaygroundAsset(name: string, res: ServerResponse): boolean {
  const asset = ASSETS[name];
  if (!asset) return false;
  res.writeHead(200, { 'content-type': `${asset.type}; charset=utf-8`, 'cache-control': 'public, max-age=86400' });
  createReadStream(asset.file).pipe(res);
  return true;
}
