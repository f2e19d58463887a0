# Sourced by .ci/run (and usable by hand: `source .ci/test-redis.sh &&
# start_test_redis`): a throwaway Redis on 127.0.0.1 at a free port, with no
# persistence, for the scale-out tests (shared cache, breakers, rate limits,
# BullMQ jobs). Exports TEST_REDIS_URL; stop_test_redis stops it and removes
# its folder. Needs Debian's redis-server package.

start_test_redis() {
  local port
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "no redis-server on PATH (install Debian's redis-server)" >&2
    return 1
  fi
  TEST_REDIS_DIR="$(mktemp -d -t stylesprint-redis.XXXXXX)"
  # A free loopback port now, so a stale server from a killed run cannot clash.
  port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
  echo "starting a throwaway Redis on 127.0.0.1:$port in $TEST_REDIS_DIR"
  # No RDB snapshots and no AOF: the data is thrown away.
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$TEST_REDIS_DIR" \
    --daemonize yes --pidfile "$TEST_REDIS_DIR/redis.pid" --logfile "$TEST_REDIS_DIR/redis.log" ||
    { cat "$TEST_REDIS_DIR/redis.log" >&2 2>/dev/null; return 1; }
  for _ in $(seq 1 50); do
    if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
      export TEST_REDIS_URL="redis://127.0.0.1:$port"
      echo "TEST_REDIS_URL=$TEST_REDIS_URL"
      return 0
    fi
    sleep 0.1
  done
  echo "Redis did not answer on port $port" >&2
  cat "$TEST_REDIS_DIR/redis.log" >&2 2>/dev/null
  return 1
}

stop_test_redis() {
  if [ -n "${TEST_REDIS_DIR:-}" ] && [ -f "$TEST_REDIS_DIR/redis.pid" ]; then
    kill "$(cat "$TEST_REDIS_DIR/redis.pid")" 2>/dev/null || true
  fi
  if [ -n "${TEST_REDIS_DIR:-}" ]; then rm -rf "$TEST_REDIS_DIR"; fi
  unset TEST_REDIS_DIR TEST_REDIS_URL
}
