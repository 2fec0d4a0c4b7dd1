#!/usr/bin/env bash
# The benchmarks the issues set targets for, with their parameters, one after the other.
# Uses DATABASE_URL when set, else the embedded server. Run after `npm install` (which builds).
# Each prints one JSON line; the lines are also kept in bench/results.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/results.jsonl
: > "$out"
node bin/parkctl lot import fixtures/city-garage.yaml >/dev/null
run() {
  echo "== parkctl $*"
  node bin/parkctl --json "$@" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify(JSON.parse(s))))' | tee -a "$out"
}
run bench reserve --lot CITY-GARAGE --clients 16 --profile spread --seconds 10
run bench reserve --lot CITY-GARAGE --clients 16 --profile rush --seconds 10
run bench price
run bench gate --lot CITY-GARAGE --vehicles 300
run bench import --rows 10000
run bench sweep --lot CITY-GARAGE --holds "${SWEEP_HOLDS:-100000}" --clients 16 --seconds 30 --workers 4 --batch 500
run bench capacity --lots "${CAP_LOTS:-50}" --spots 2000 --reservations "${CAP_RESERVATIONS:-10000}"
echo "memory soak (10 minutes, one vehicle a second): node bin/parkctl bench gate --soak --duration 600"
