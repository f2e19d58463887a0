# Sourced by .ci/run (and usable by hand: `source .ci/test-postgres.sh &&
# start_test_postgres`): a throwaway PostgreSQL cluster on loopback for the
# storage suite's second backend. It lives in a temp folder, listens on
# 127.0.0.1 at a free port, and is stopped and removed by stop_test_postgres.
# Exports TEST_DATABASE_URL; the tests create and drop their own database.
# Needs Debian's postgresql package (initdb, pg_ctl); as root the server runs
# as the postgres user, since PostgreSQL refuses to run as root.

# The newest installed server's bin folder, e.g. /usr/lib/postgresql/15/bin.
test_postgres_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    echo "no PostgreSQL server under /usr/lib/postgresql (install Debian's postgresql)" >&2
    return 1
  fi
  echo "$dir"
}

# Runs a command as the server's owner: postgres when we are root, else ourselves.
_as_pg_owner() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$1"; else bash -c "$1"; fi
}

# `start_test_postgres durable` keeps PostgreSQL's own defaults (fsync,
# synchronous_commit and full_page_writes on), for a benchmark that must pay
# for the disk flushes a real deployment pays for.
start_test_postgres() {
  local bin port sync_options
  bin="$(test_postgres_bin)" || return 1
  # fsync and friends off unless asked: the data is thrown away, and tests run faster.
  sync_options="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if [ "${1:-}" = durable ]; then sync_options=""; fi
  # Under /tmp, not $TMPDIR: the postgres user must be able to reach it.
  TEST_PG_DIR="$(mktemp -d -t stylesprint-pg.XXXXXX)"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$TEST_PG_DIR"; fi
  # A free loopback port now, so a stale server from a killed run cannot clash.
  port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
  TEST_PG_PORT="$port"
  TEST_PG_BIN="$bin"
  echo "starting a throwaway PostgreSQL ($bin) on 127.0.0.1:$port in $TEST_PG_DIR"
  # Local socket connections trust the owner (to create the role below);
  # TCP needs the role's password, as a real deployment would.
  _as_pg_owner "'$bin/initdb' -D '$TEST_PG_DIR/data' -U postgres -E UTF8 --no-locale --auth-local=trust --auth-host=scram-sha-256 --no-sync >'$TEST_PG_DIR/initdb.log' 2>&1" ||
    { cat "$TEST_PG_DIR/initdb.log" >&2; return 1; }
  _as_pg_owner "'$bin/pg_ctl' -D '$TEST_PG_DIR/data' -l '$TEST_PG_DIR/server.log' -w -t 60 -o \"-k '$TEST_PG_DIR' -p $port -c listen_addresses=127.0.0.1 $sync_options\" start >/dev/null" ||
    { cat "$TEST_PG_DIR/server.log" >&2; return 1; }
  _as_pg_owner "'$bin/psql' -X -q -v ON_ERROR_STOP=1 -h '$TEST_PG_DIR' -p $port -U postgres -d postgres -c \"CREATE ROLE stylesprint LOGIN CREATEDB PASSWORD 'stylesprint'\"" ||
    return 1
  export TEST_DATABASE_URL="postgresql://stylesprint:stylesprint@127.0.0.1:$port/postgres"
  echo "TEST_DATABASE_URL=$TEST_DATABASE_URL"
}

stop_test_postgres() {
  if [ -n "${TEST_PG_DIR:-}" ] && [ -d "$TEST_PG_DIR/data" ]; then
    _as_pg_owner "'$TEST_PG_BIN/pg_ctl' -D '$TEST_PG_DIR/data' -m immediate -w stop >/dev/null 2>&1" || true
  fi
  if [ -n "${TEST_PG_DIR:-}" ]; then rm -rf "$TEST_PG_DIR"; fi
  unset TEST_PG_DIR TEST_DATABASE_URL
}
