#!/usr/bin/env bash
# Weft's two commands (and two more):
#   ./run.sh [--weft_port=8080 …]   build if the sources changed, then serve on 127.0.0.1:8080
#   ./run.sh test                   run the whole test suite
#   ./run.sh bench [options]        run the benchmark (see README)
#   ./run.sh token --sub alice --ttl 1h   print an access token signed with WEFT_JWT_SECRET
set -euo pipefail
cd "$(dirname "$0")"

# A JDK 25: JAVA_HOME if it is one, else the first under /usr/lib/jvm.
java_version() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ] || [ "$(java_version "$JAVA_HOME")" != 25 ]; then
  JAVA_HOME=""
  for candidate in /usr/lib/jvm/*; do
    if [ -x "$candidate/bin/javac" ] && [ "$(java_version "$candidate")" = 25 ]; then JAVA_HOME="$candidate"; break; fi
  done
fi
if [ -z "$JAVA_HOME" ]; then
  echo "run.sh: Weft needs a JDK 25 and none was found (JAVA_HOME or /usr/lib/jvm)." >&2
  echo "        Install one, e.g. 'apt-get install temurin-25-jdk' (Adoptium) or from https://adoptium.net," >&2
  echo "        then run again or set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
command -v mvn >/dev/null || { echo "run.sh: Maven (mvn) is needed: apt-get install maven" >&2; exit 1; }

# A small VPS's JVM, chosen by measurement (README, "Memory"): G1 in a heap of at most 1 GB that starts at
# 32 MB, grows only as needed and gives memory back (a periodic GC when idle, little free heap
# kept), compact object headers, and 4 KB instead of 16 KB as the provider client's read buffer
# (each open provider connection keeps one; a chunk is a few hundred bytes). WEFT_JVM_OPTS adds
# flags (later ones win): WEFT_JVM_OPTS=-Xmx2g.
JVM_OPTS=(--enable-preview -Dsun.net.httpserver.nodelay=true -Djdk.httpclient.bufsize=4096 -XX:+UseG1GC -Xms32m -Xmx1g
  -XX:+UseCompactObjectHeaders -XX:G1PeriodicGCInterval=15000 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30
  -XX:ReservedCodeCacheSize=64m ${WEFT_JVM_OPTS:-})
stamp=target/.built

build() {
  if [ -f "$stamp" ] && [ -z "$(find src/main src/bench pom.xml -newer "$stamp" -print -quit)" ]; then return; fi
  echo "run.sh: building…" >&2
  mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile=target/classpath.txt >&2
  touch "$stamp"
}
classpath() { echo "target/classes:$(cat target/classpath.txt)"; }

case "${1:-}" in
  test)
    shift
    exec mvn -B test "$@"
    ;;
  bench)
    shift
    build
    WEFT_SERVER_JVM_OPTS="${JVM_OPTS[*]}" exec java --enable-preview -XX:+UseZGC -cp "target/bench-classes:$(classpath)" weft.bench.Bench "$@"
    ;;
  token)
    shift
    build
    exec java "${JVM_OPTS[@]}" -cp "$(classpath)" weft.auth.TokenCommand "$@"
    ;;
  *)
    build
    exec java "${JVM_OPTS[@]}" -cp "$(classpath)" weft.Main "$@"
    ;;
esac
