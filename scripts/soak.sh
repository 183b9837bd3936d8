#!/usr/bin/env bash
# A newcomer's very first run, N times: N fresh clones of the current commit, and in each the
# first `make demo` (install included), one after another, while a CPU burner loads one core
# (LOAD=0 to skip it). Prints one line per clone and "N passed, M failed"; exits non-zero if
# any first run failed, keeping that clone's output in $SOAK_DIR for a look.
#   scripts/soak.sh 6
set -uo pipefail
n=${1:-6}
top=$(git rev-parse --show-toplevel)
SOAK_DIR=${SOAK_DIR:-$(mktemp -d /tmp/soak.XXXXXX)}
burner=""
if [ "${LOAD:-1}" != 0 ]; then
  python3 -c 'while True: pass' & burner=$!
  trap 'kill $burner 2>/dev/null' EXIT
fi
passed=0 failed=0
for i in $(seq 1 "$n"); do
  clone="$SOAK_DIR/clone-$i"
  git clone -q "$top" "$clone"
  git -C "$clone" checkout -q "$(git -C "$top" rev-parse HEAD)"
  start=$(date +%s)
  if (cd "$clone" && make demo >"$clone.log" 2>&1); then
    passed=$((passed + 1)); verdict=passed
    rm -rf "$clone"
  else
    failed=$((failed + 1)); verdict="FAILED (see $clone.log)"
  fi
  echo "clone $i: first make demo $verdict in $(( $(date +%s) - start )) s"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
