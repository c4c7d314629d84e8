#!/usr/bin/env bash
# Starts and stops a throwaway NATS server with JetStream on a free loopback port, for the streaming tests and bench.
#
#   scripts/nats-server.sh install      install Debian's nats-server if missing (as root with apt-get; else say how)
#   scripts/nats-server.sh start [DIR]  start a server whose JetStream store lives in DIR (a new temp dir if omitted);
#                                       prints `url=nats://127.0.0.1:PORT`, `pid=PID` and `dir=DIR` once it accepts
#                                       connections, and leaves it running
#   scripts/nats-server.sh stop DIR     stop that server (SIGTERM, SIGKILL after a deadline) and remove DIR
set -euo pipefail

deadline_seconds=${NATS_START_DEADLINE:-30}

nats_bin() {
  command -v nats-server 2>/dev/null || { [ -x /usr/sbin/nats-server ] && echo /usr/sbin/nats-server; } || true
}

install() {
  [ -n "$(nats_bin)" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "nats-server: installing Debian's nats-server" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
  else
    echo "nats-server: needs Debian's nats-server: run 'sudo apt-get install nats-server'" >&2
    exit 2
  fi
}

start() {
  install
  local dir port pid
  dir=${1:-$(mktemp -d -t wand-nats.XXXXXX)}
  mkdir -p "$dir"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  setsid nohup "$(nats_bin)" -a 127.0.0.1 -p "$port" -js -sd "$dir/jetstream" >"$dir/server.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$dir/pid"
  if ! python3 - "$port" "$pid" "$deadline_seconds" <<'EOF'; then
import os, socket, sys, time
port, pid, deadline = int(sys.argv[1]), int(sys.argv[2]), time.monotonic() + float(sys.argv[3])
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("nats-server exited before it accepted connections")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            if s.recv(4) == b"INFO":
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
sys.exit("nats-server did not accept connections in time")
EOF
    echo "nats-server: its log ($dir/server.log) ends:" >&2
    tail -30 "$dir/server.log" >&2 || true
    kill -9 "$pid" 2>/dev/null || true
    exit 1
  fi
  echo "url=nats://127.0.0.1:$port"
  echo "pid=$pid"
  echo "dir=$dir"
}

stop() {
  local dir=${1:?usage: scripts/nats-server.sh stop DIR}
  if [ -f "$dir/pid" ]; then
    local pid
    pid=$(cat "$dir/pid")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *)
    echo "usage: scripts/nats-server.sh install | start [DIR] | stop DIR" >&2
    exit 2
    ;;
esac
