#!/usr/bin/env bash
# Side-by-side search benchmark (make bench-search): nightshift's built-in
# planner against Optuna TPE + XGBoost hist (../shared/bench/peers/search_peer.py)
# on the same split (test rows: i % 5 == 4), the same budget and 2 cores,
# one after the other. Prints one JSON line per side and dataset, then a table.
#
#   BUDGET=600 DATASETS="creditcard vehicle criteo fraud1m" experiment/bench/search.sh
#
# SEED (default 42) seeds both sides: our holdout draw is modulo (no seed),
# the seed moves our folds and planner and the peer's folds and sampler.
#
# Needs Debian's python3-optuna python3-xgboost python3-sklearn python3-pandas;
# fraud1m needs ~/.cache/nightshift-bench/fraud.csv (make_data.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUDGET=${BUDGET:-600}
SEED=${SEED:-42}
SHARED=${SHARED:-../shared}
PEERS=$SHARED/bench/peers
OUT=${OUT:-bin/bench}
DATASETS=${DATASETS:-"creditcard vehicle criteo fraud1m"}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
go build -o bin/nightshift ./cmd/nightshift
if ! /usr/bin/python3 -c 'import optuna, xgboost, sklearn, pandas' 2>/dev/null; then
  echo "search.sh: the peer needs Debian's python3-optuna python3-xgboost python3-sklearn python3-pandas (see $PEERS/README.md)" >&2
  exit 1
fi
declare -A FILE TARGET DROP
FILE[creditcard]=$SHARED/data/fraud/creditcard_10k.csv; TARGET[creditcard]=Class; DROP[creditcard]=""
FILE[vehicle]=$SHARED/data/fraud/vehicle_claims.csv; TARGET[vehicle]=FraudFound_P; DROP[vehicle]=PolicyNumber
FILE[criteo]=$SHARED/data/click/criteo_5k.csv; TARGET[criteo]=label; DROP[criteo]=""
FILE[fraud1m]=$HOME/.cache/nightshift-bench/fraud.csv; TARGET[fraud1m]=label; DROP[fraud1m]=""
RESULTS=$OUT/search.jsonl
: > "$RESULTS"
for d in $DATASETS; do
  f=${FILE[$d]}
  if [ ! -f "$f" ]; then echo "search.sh: $f not found; skipping $d" >&2; continue; fi
  f=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
  db=$OUT/search-$d.db
  rm -f "$db" "$db.lock"
  drop=()
  [ -n "${DROP[$d]}" ] && drop=(--drop "${DROP[$d]}")
  load0=$(cut -d' ' -f1 /proc/loadavg)
  start=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$OUT/time-ours-$d.txt" bin/nightshift run --data "$f" --target "${TARGET[$d]}" "${drop[@]}" --study "$d" --db "$db" \
    --seed "$SEED" --budget "${BUDGET}s" --holdout 0.2 --holdout-split modulo --json > "$OUT/run-$d.json" 2> "$OUT/run-$d.log"
  end=$(date +%s.%N)
  load1=$(cut -d' ' -f1 /proc/loadavg)
  hstart=$(date +%s.%N)
  bin/nightshift holdout --study "$d" --db "$db" --top 1 --json > "$OUT/holdout-$d.json"
  hend=$(date +%s.%N)
  /usr/bin/python3 - "$d" "$OUT/run-$d.json" "$OUT/holdout-$d.json" "$start" "$end" "$OUT/time-ours-$d.txt" "$load0" "$load1" "$hstart" "$hend" >> "$RESULTS" <<'PY'
import json, sys
d, run, hold, start, end = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3])), float(sys.argv[4]), float(sys.argv[5])
cpu = sum(float(x) for x in open(sys.argv[6]).read().split()[-2:])
trials = run["trials"]
finished = [t for t in trials if t["state"] in ("done", "pruned", "failed")]
scores = hold["scores"]  # holdout --json is one read: the final model, then the pick's bag
best = scores[0]
pick = next((s for s in scores if s.get("pick")), scores[-1])
secs = run["elapsed_seconds"]
print(json.dumps({"data": d, "search": "nightshift-builtin", "trials": len(finished),
  "full_trials": sum(1 for t in trials if t["state"] == "done"),
  "trials_per_min": round(len(finished) / (secs / 60), 2), "cpu_s": round(cpu, 1),
  "trials_per_cpu_min": round(len(finished) / (cpu / 60), 2), "best_cv_auc": best["cv"],
  "test_auc": best["holdout"]["auc"], "final": best["final"], "pick": pick["trial"], "pick_cv_auc": pick["cv"],
  "pick_test_auc": pick["holdout"]["auc"], "holdout_s": round(float(sys.argv[10]) - float(sys.argv[9]), 1),
  "elapsed_s": round(secs, 1), "wall_s": round(end - start, 1),
  "load_before": float(sys.argv[7]), "load_after": float(sys.argv[8])}))
PY
  load0=$(cut -d' ' -f1 /proc/loadavg)
  (cd "$PEERS" && /usr/bin/time -f '%U %S' -o "$OUT/time-peer-$d.txt" /usr/bin/python3 search_peer.py "$f" --budget "$BUDGET" --seed "$SEED" --target "${TARGET[$d]}" \
     ${DROP[$d]:+--drop ${DROP[$d]}} --trace "$OUT/peer-$d.trace.jsonl" | tail -1) \
   | /usr/bin/python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
cpu = sum(float(x) for x in open(sys.argv[2]).read().split()[-2:])
s.update({"data": sys.argv[1], "trials_per_min": s.get("trials_per_minute"), "search": "optuna-tpe+xgboost-hist",
  "cpu_s": round(cpu, 1), "trials_per_cpu_min": round(s["trials"] / (cpu / 60), 2),
  "load_before": float(sys.argv[3]), "load_after": float(open("/proc/loadavg").read().split()[0])})
print(json.dumps(s))' "$d" "$OUT/time-peer-$d.txt" "$load0" >> "$RESULTS"
done
/usr/bin/python3 - "$RESULTS" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("| data | search | trials (full) | trials/min | trials/CPU-min | best CV AUC | test AUC | load before/after |")
print("|---|---|---:|---:|---:|---:|---:|---|")
for r in rows:
    full = f" ({r['full_trials']})" if "full_trials" in r else ""
    print(f"| {r['data']} | {r['search']} | {r.get('trials')}{full} | {r.get('trials_per_min')} | {r.get('trials_per_cpu_min')} | {r.get('best_cv_auc')} | {r.get('test_auc')} | {r.get('load_before')}/{r.get('load_after')} |")
PY
