# Servers the test suite needs, installed from Debian packages and started on loopback.
# Sourced by .ci/run; developers can `source .ci/services.sh && start_postgres` too.

_apt_updated=""
_apt_install() {
  if [ -z "$_apt_updated" ]; then apt-get update -qq >/dev/null; _apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

start_postgres() {
  local port=${AISPM_PG_PORT:-55432}
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$bindir" ]; then
    echo "installing postgresql"; _apt_install postgresql
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  local data=/tmp/aispm-pg-$port
  if ! "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    rm -rf "$data"; mkdir -p "$data"; chown postgres "$data"
    su postgres -s /bin/sh -c "$bindir/initdb -A trust -U postgres -D $data" >/dev/null
    su postgres -s /bin/sh -c "$bindir/pg_ctl -s -D $data -o '-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off' -l $data/log start -w"
  fi
  export AISPM_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
  echo "postgres ready at $AISPM_TEST_POSTGRES_URL"
}

start_redis() {
  local port=${AISPM_REDIS_PORT:-56379}
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "installing redis-server"; _apt_install redis-server
  fi
  if ! redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
      --logfile /tmp/aispm-redis-$port.log --pidfile /tmp/aispm-redis-$port.pid
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  export AISPM_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
  echo "redis ready at $AISPM_TEST_REDIS_URL"
}

ensure_chromium() {
  # Headless Chromium for the tests that render HTML reports in a real browser.
  if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    echo "installing chromium"; _apt_install chromium
  fi
  echo "chromium ready: $(command -v chromium || command -v chromium-browser)"
}
