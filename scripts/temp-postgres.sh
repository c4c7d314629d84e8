# Sourced by scripts/test and bench scripts: `start_temp_postgres` starts a throwaway PostgreSQL 15 (initdb into a
# temporary folder, a free loopback port, fsync off), sets TEMP_PG_URL, and stops it when the shell exits.
start_temp_postgres() {
  local pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
  TEMP_PG_DIR=$(mktemp -d)
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$TEMP_PG_DIR"
    TEMP_PG_AS=(su postgres -s /bin/sh -c)
  else
    TEMP_PG_AS=(sh -c)
  fi
  "${TEMP_PG_AS[@]}" "$pg_bin/initdb -D $TEMP_PG_DIR/data -U postgres --auth=trust -E UTF8 >/dev/null"
  "${TEMP_PG_AS[@]}" "$pg_bin/pg_ctl -D $TEMP_PG_DIR/data -l $TEMP_PG_DIR/log -w -o '-p $port -k $TEMP_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off' start >/dev/null"
  trap '"${TEMP_PG_AS[@]}" "'"$pg_bin"'/pg_ctl -D $TEMP_PG_DIR/data -m immediate stop >/dev/null" || true; rm -rf "$TEMP_PG_DIR"' EXIT
  TEMP_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
}
