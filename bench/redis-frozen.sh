#!/usr/bin/env bash
# What a frozen Redis costs one `parkctl capacity check` (a fresh process each time):
# starts a throwaway redis-server on a spare loopback port, SIGSTOPs it, times N runs with
# REDIS_URL pointing at it and N runs without REDIS_URL, prints both medians and the difference,
# then SIGCONTs and stops the server. Uses DATABASE_URL when set, else the embedded server in
# PARKCTL_HOME (a scratch home by default). Usage: bench/redis-frozen.sh [N=9]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-9}"
scratch=""
if [[ -z "${DATABASE_URL:-}" && -z "${PARKCTL_HOME:-}" ]]; then
  scratch="$(mktemp -d /tmp/parkctl-redis-frozen-XXXXXX)"
  chmod 755 "$scratch"
  export PARKCTL_HOME="$scratch/home"
fi
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
redis_pid=$!
cleanup() {
  kill -CONT "$redis_pid" 2>/dev/null || true
  kill "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  if [[ -n "$scratch" ]]; then
    node bin/parkctl db stop >/dev/null 2>&1 || true
    rm -rf "$scratch"
  fi
}
trap cleanup EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

node bin/parkctl lot import fixtures/surface-lot.yaml >/dev/null
check=(node bin/parkctl capacity check --lot RIVERSIDE --type regular --from 2030-01-07T08:00 --to 2030-01-07T17:30)
"${check[@]}" >/dev/null # warm the page cache and the server

# ms for one run of the command, with the environment given before it
time_one() {
  local start end
  start=$(date +%s%N)
  env "$@" "${check[@]}" >/dev/null 2>&1
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

kill -STOP "$redis_pid"
frozen=() plain=()
for _ in $(seq "$runs"); do
  frozen+=("$(time_one REDIS_URL="redis://127.0.0.1:$port")")
  plain+=("$(time_one -u REDIS_URL)")
done
frozen_median=$(printf '%s\n' "${frozen[@]}" | median)
plain_median=$(printf '%s\n' "${plain[@]}" | median)
echo "capacity check, $runs fresh processes each (ms): without REDIS_URL ${plain[*]}"
echo "capacity check, $runs fresh processes each (ms): Redis frozen     ${frozen[*]}"
echo "{\"runs\":$runs,\"medianWithoutRedisMs\":$plain_median,\"medianRedisFrozenMs\":$frozen_median,\"differenceMs\":$(( frozen_median - plain_median ))}"
