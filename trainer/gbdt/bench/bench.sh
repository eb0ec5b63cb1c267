#!/usr/bin/env bash
# Benchmarks nightshift's GBDT (trainer/gbdt/cmd/gbdtbench) against the peers
# of ../shared/bench/peers on the same split and fixed parameters, and checks
# with the real LightGBM CLI that it scores our model files exactly as we do.
#
# Usage (from the repository root): trainer/gbdt/bench/bench.sh [OUTDIR]
# Environment:
#   PEERS_DIR    default ../shared/bench/peers
#   DATA_DIR     generated 1M-row sets, default ~/.cache/nightshift-bench
#                (made with make_data.py when missing)
#   SHARED_DATA  default ../shared/data
#   LIGHTGBM_BIN LightGBM CLI (../shared/tools/build-lightgbm.sh builds it);
#                default ~/.cache/nightshift/lightgbm/bin/lightgbm; the
#                exactness check is skipped with a message when absent
#   SETS         generated sets to time, default "fraud click"
#   PEER_LIST    default "xgboost-hist sklearn-hgb", plus lightgbm-cli when
#                LIGHTGBM_BIN is found (its train_seconds is boosting only:
#                CSV parsing and binning are in its load_bin_seconds)
# Prints one JSON line per fit (also in OUTDIR/fit.jsonl), then a table with
# train-time and peak-RSS ratios ours/peer measured in this run.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=${1:-$(mktemp -d)}
peers=${PEERS_DIR:-$root/../shared/bench/peers}
data=${DATA_DIR:-$HOME/.cache/nightshift-bench}
shared=${SHARED_DATA:-$root/../shared/data}
lgb=${LIGHTGBM_BIN:-$HOME/.cache/nightshift/lightgbm/bin/lightgbm}
py=/usr/bin/python3
mkdir -p "$out"
peer_list=${PEER_LIST:-xgboost-hist sklearn-hgb}
if [ -z "${PEER_LIST:-}" ] && [ -x "$lgb" ]; then
  peer_list="$peer_list lightgbm-cli"
fi
export LIGHTGBM_BIN=$lgb
bench=$out/gbdtbench
(cd "$root" && go build -o "$bench" ./trainer/gbdt/cmd/gbdtbench)

for set in ${SETS:-fraud click}; do
  [ -f "$data/$set.csv" ] || "$py" "$peers/make_data.py" --out "$data" --only "$set"
  for peer in $peer_list; do
    "$py" "$peers/fit_peer.py" "$data/$set.csv" "$peer" | tee -a "$out/fit.jsonl"
  done
  "$bench" -data "$data/$set.csv" -wait-quiet 300 | tee -a "$out/fit.jsonl"
  # the same fit with XGBoost's default regularisation (min_child_weight=1, lambda=1)
  "$bench" -data "$data/$set.csv" -wait-quiet 300 -param min_sum_hessian_in_leaf=1 -param lambda_l2=1 \
    | sed 's/"peer": *"nightshift-gbdt"/"peer":"nightshift-gbdt-xgbreg"/' | tee -a "$out/fit.jsonl"
done

"$py" - "$out/fit.jsonl" <<'PY'
import json, sys, os
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(os.path.basename(r["data"]), []).append(r)
print(f'{"data":<12} {"peer":<24} {"train s":>8} {"AUC":>7} {"RSS MB":>8} {"ours/peer time":>15} {"ours/peer RSS":>14}')
for d, rs in by.items():
    ours = next((r for r in rs if r["peer"] == "nightshift-gbdt"), None)
    for r in rs:
        rt = f'{ours["train_seconds"]/r["train_seconds"]:.2f}' if ours and r is not ours else ""
        rr = f'{ours["peak_rss_mb"]/r["peak_rss_mb"]:.2f}' if ours and r is not ours else ""
        print(f'{d:<12} {r["peer"]:<24} {r["train_seconds"]:>8.2f} {r["auc"]:>7.4f} {r["peak_rss_mb"]:>8.0f} {rt:>15} {rr:>14}')
PY

if [ ! -x "$lgb" ]; then
  echo "LightGBM check skipped: no LightGBM CLI at $lgb (build it with ../shared/tools/build-lightgbm.sh, or set LIGHTGBM_BIN)"
  exit 0
fi
check() { # name csv gbdtbench-args...
  local name=$1 csv=$2; shift 2
  [ -f "$csv" ] || { echo "LightGBM check $name skipped: $csv not found"; return 0; }
  "$bench" -data "$csv" "$@" -out "$out/$name.model.txt" -predictions "$out/$name.pred.txt" \
    -test-csv "$out/$name.test.csv" >/dev/null
  LIGHTGBM_BIN=$lgb "$py" "$peers/lgb_check_model.py" "$out/$name.model.txt" "$out/$name.test.csv" \
    --expect "$out/$name.pred.txt" --tol 1e-9
}
check creditcard_10k "$shared/fraud/creditcard_10k.csv" -target Class
check vehicle_claims "$shared/fraud/vehicle_claims.csv" -target FraudFound_P -drop PolicyNumber
check criteo_5k "$shared/click/criteo_5k.csv"
check criteo_200 "$shared/click/criteo_200.csv" -param min_data_in_leaf=2
check avazu_100 "$shared/click/avazu_100.csv" -target click -drop id -param min_data_in_leaf=2
for set in ${SETS:-fraud click}; do
  check "$set" "$data/$set.csv"
done
