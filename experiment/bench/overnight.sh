#!/usr/bin/env bash
# The overnight benchmark (issue 20, "Measure first"): one study per dataset
# and seed for BUDGET, then `holdout --as-of ASOF` (what the same study had
# chosen and built after ASOF of search) and the full holdout read, on the
# same held-out rows (modulo split: row i when i % 5 == 4). Prints one JSON
# line per read and a table: the final model's holdout AUC ± its
# Hanley–McNeil SE, the pick's CV and holdout AUC and their gap ± SE, the
# trials the read chose from, and the journal's size.
#
#   BUDGET=60m ASOF=10m SEEDS="42 43" DATASETS="creditcard criteo vehicle" experiment/bench/overnight.sh
#
# Defaults: BUDGET=60m ASOF=10m SEEDS=42 DATASETS="creditcard criteo"
# (also: vehicle; fraud1m, from ../shared/bench/peers/make_data.py).
# RUNFLAGS are added to every run (an A/B: RUNFLAGS=--cost-aware, OUT=…).
# KEEP=1 continues a study whose journal is already in OUT (`resume`, which
# spends what is left of its budget: search time summed over sessions)
# instead of starting it anew, so a table longer than one sitting survives
# a stop (each continuation's load average is printed at its start).
# The figures are worth quoting only from a quiet machine; say when it was not.
# The table at the end is overnight-table.py's (ARM names the rows, default
# "this"); arms side by side (before/after a change, each its own OUT):
#   experiment/bench/overnight-table.py before=OUT1 after=OUT2 ...
set -euo pipefail
cd "$(dirname "$0")/../.."
BUDGET=${BUDGET:-60m}
ASOF=${ASOF:-10m}
SEEDS=${SEEDS:-42}
SHARED=${SHARED:-../shared}
OUT=${OUT:-bin/bench}
DATASETS=${DATASETS:-"creditcard criteo"}
PY=${PY:-python3}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
go build -o bin/nightshift ./cmd/nightshift
declare -A FILE TARGET DROP
FILE[creditcard]=$SHARED/data/fraud/creditcard_10k.csv; TARGET[creditcard]=Class; DROP[creditcard]=""
FILE[criteo]=$SHARED/data/click/criteo_5k.csv; TARGET[criteo]=label; DROP[criteo]=""
FILE[vehicle]=$SHARED/data/fraud/vehicle_claims.csv; TARGET[vehicle]=FraudFound_P; DROP[vehicle]=PolicyNumber
FILE[fraud1m]=$HOME/.cache/nightshift-bench/fraud.csv; TARGET[fraud1m]=label; DROP[fraud1m]=""
read -r -a runflags <<< "${RUNFLAGS:-}"
RESULTS=$OUT/overnight.jsonl
: > "$RESULTS"
for d in $DATASETS; do
  f=${FILE[$d]:-}
  if [ -z "$f" ] || [ ! -f "$f" ]; then echo "overnight.sh: no data for $d ($f); skipping" >&2; continue; fi
  for seed in $SEEDS; do
    db=$OUT/overnight-$d-$seed.db
    drop=()
    [ -n "${DROP[$d]}" ] && drop=(--drop "${DROP[$d]}")
    load=$(cut -d' ' -f1 /proc/loadavg)
    if [ "${KEEP:-0}" = 1 ] && [ -f "$db" ]; then
      echo "overnight.sh: continuing $db (load $load)" >&2
      bin/nightshift resume --study "$d" --db "$db" >> "$OUT/overnight-$d-$seed.log" 2>&1
    else
      rm -f "$db" "$db.lock"
      bin/nightshift run --data "$f" --target "${TARGET[$d]}" "${drop[@]}" --study "$d" --db "$db" \
        --seed "$seed" --budget "$BUDGET" --holdout 0.2 --holdout-split modulo "${runflags[@]}" > "$OUT/overnight-$d-$seed.log" 2>&1
    fi
    size=$(stat -c %s "$db")
    bin/nightshift holdout --study "$d" --db "$db" --top 1 --as-of "$ASOF" --json > "$OUT/overnight-$d-$seed-asof.json"
    bin/nightshift holdout --study "$d" --db "$db" --top 1 --json > "$OUT/overnight-$d-$seed-full.json"
    folds=5 # the run's default below 200,000 search rows; the CV mean's SE is its std / √folds
    for at in asof full; do
      "$PY" - "$d" "$seed" "$at" "$ASOF" "$BUDGET" "$size" "$load" "$folds" "$OUT/overnight-$d-$seed-$at.json" >> "$RESULTS" <<'PY'
import json, math, sys
d, seed, at, asof, budget, size, load, folds, path = sys.argv[1:]
r = json.load(open(path))
final = r["scores"][0]  # the final model (the ensemble), then the pick's bag
pick = next(s for s in r["scores"] if s.get("pick"))
h = pick["holdout"]["auc"]
hse = pick["holdout_se"]["auc"]
cv, cvstd = pick["cv"], pick["cv_std"]
# cv_se: the pick's own SE (a spec raced over several fold splits pools them);
# older nightshifts: std / √folds.
cvse = pick.get("cv_se", cvstd / math.sqrt(int(folds)))
print(json.dumps({
    "dataset": d, "seed": int(seed), "at": asof if at == "asof" else budget,
    "as_of": at == "asof", "standing": r["standing"], "trials": r["trials"],
    "journal_bytes": None if at == "asof" else int(size),
    "final": final["final"], "final_auc": final["holdout"]["auc"], "final_se": final["holdout_se"]["auc"],
    "pick": pick["trial"], "pick_cv": cv, "pick_holdout": h,
    "gap": cv - h, "gap_se": math.sqrt(hse ** 2 + cvse ** 2), "load": float(load),
}))
PY
    done
  done
done
"$PY" experiment/bench/overnight-table.py "${ARM:-this}=$OUT"
