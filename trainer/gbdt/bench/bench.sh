#!/usr/bin/env bash
# Benchmarks nightshift's GBDT (cmd/gbdtbench), exact and quantized
# (use_quantized_grad), against the real LightGBM CLI, default and quantized,
# on the same training rows and fixed parameters, and against the Python
# peers of ../shared/bench/peers; then checks with the LightGBM CLI that it
# scores every row of our model files, quantized or not, exactly as we do.
#
# Usage (from the repository root): trainer/gbdt/bench/bench.sh [OUTDIR]
# Environment:
#   PEERS_DIR    default ../shared/bench/peers
#   DATA_DIR     generated 1M-row sets, default ~/.cache/nightshift-bench
#                (made with make_data.py when missing)
#   SHARED_DATA  default ../shared/data
#   LIGHTGBM_BIN LightGBM CLI (../shared/tools/build-lightgbm.sh builds it);
#                default ~/.cache/nightshift/lightgbm/bin/lightgbm, then
#                /work/lightgbm/bin/lightgbm; without it the LightGBM runs and
#                the exactness check are skipped with a message
#   SETS         generated sets to time, default "fraud click"
#   PEER_LIST    fit_peer.py peers, default "xgboost-hist sklearn-hgb"
#                ("none" for none). fit_peer.py passes LightGBM no extra
#                parameters, so the LightGBM CLI runs (default and
#                use_quantized_grad=true) are made here, on the training rows
#                gbdtbench writes, with the same categorical columns.
#   WAIT_QUIET   seconds each fit waits for the machine to go idle (300)
#   QUANT_EXTRA  LightGBM-named parameters added to every quantized fit, ours
#                and the CLI's, and to the quantized exactness checks, e.g.
#                "num_grad_quant_bins=16 quant_train_renew_leaf=true" (none)
#   REPEAT       timed fits of each kind per set (1), interleaved (ours, then
#                LightGBM's, then ours again...); the table shows each fit's
#                median and its range, and the ratios are of the medians. On
#                this shared machine one fit varies by 10-20 % between runs
#                minutes apart, as much as a target's margin.
#   THREADS      num_threads on both sides (2). On a busy machine LightGBM's
#                OpenMP threads spin while they wait for each other, so its
#                wall and CPU times blow up; THREADS=1 compares CPU seconds
#                without that.
# LightGBM's train_seconds is its "seconds elapsed, finished iteration 200"
# line (boosting only) and load_bin_seconds its "Finished loading data"
# (CSV parsing and binning); ours are boost_seconds and train_seconds
# (binning + boosting, the CSV already loaded). peak_rss_mb is the whole
# process on both sides. Prints one JSON line per fit (also in
# OUTDIR/fit.jsonl), then a table of ratios measured in this run.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=${1:-$(mktemp -d)}
peers=${PEERS_DIR:-$root/../shared/bench/peers}
data=${DATA_DIR:-$HOME/.cache/nightshift-bench}
shared=${SHARED_DATA:-$root/../shared/data}
lgb=${LIGHTGBM_BIN:-$HOME/.cache/nightshift/lightgbm/bin/lightgbm}
[ -x "$lgb" ] || [ -n "${LIGHTGBM_BIN:-}" ] || lgb=/work/lightgbm/bin/lightgbm
wait_s=${WAIT_QUIET:-300}
py=/usr/bin/python3
mkdir -p "$out"
out=$(cd "$out" && pwd)
: > "$out/fit.jsonl" # this run's fits only: an earlier run into the same OUTDIR is not pooled in
peer_list=${PEER_LIST:-xgboost-hist sklearn-hgb}
[ "$peer_list" = none ] && peer_list=
bench=$out/gbdtbench
(cd "$root" && go build -o "$bench" ./cmd/gbdtbench)
threads=${THREADS:-2}
common=(-param num_iterations=200 -param learning_rate=0.1 -param num_leaves=31 -param max_bin=255
  -param num_threads="$threads" -param seed=42)
xgbreg=(-param min_sum_hessian_in_leaf=1 -param lambda_l2=1)
read -r -a quant_cli <<< "use_quantized_grad=true ${QUANT_EXTRA:-}"
quant=()
for kv in "${quant_cli[@]}"; do quant+=(-param "$kv"); done

wait_quiet() { # as fit_peer.py --wait-quiet: until others use < 0.1 CPU-s per s
  "$py" - "$wait_s" <<'PY'
import sys, time
def busy():
    f = open("/proc/stat").readline().split()[1:8]
    return sum(float(v) for i, v in enumerate(f) if i not in (3, 4)) / 100
t0 = time.time()
while time.time() - t0 < float(sys.argv[1]):
    b = busy(); time.sleep(1)
    if busy() - b < 0.1:
        break
PY
}

# ours NAME SET ARGS...: one gbdtbench fit, its JSON line renamed to NAME.
ours() {
  local name=$1 set=$2; shift 2
  "$bench" -data "$data/$set.csv" -wait-quiet "$wait_s" "${common[@]}" "$@" \
    | sed "s/\"peer\":\"nightshift-gbdt\"/\"peer\":\"$name\"/" | tee -a "$out/fit.jsonl"
}

# lightgbm NAME SET PARAMS...: the LightGBM CLI on the training rows
# gbdtbench wrote, scored on the test rows; one JSON line like fit_peer.py's.
lightgbm() {
  local name=$1 set=$2; shift 2
  local dir=$out/$set
  wait_quiet
  /usr/bin/time -f "%M %U %S" -o "$dir/$name.rss" "$lgb" config="$dir/train.csv.conf" task=train objective=binary \
    num_iterations=200 learning_rate=0.1 num_leaves=31 max_bin=255 num_threads="$threads" seed=42 \
    output_model="$dir/$name.model.txt" "$@" >"$dir/$name.log" 2>&1
  "$lgb" task=predict input_model="$dir/$name.model.txt" data="$dir/test.csv" header=true \
    label_column=name:label precise_float_parser=true output_result="$dir/$name.pred.txt" >/dev/null
  "$py" - "$name" "$data/$set.csv" "$dir" "$threads" <<'PY' | tee -a "$out/fit.jsonl"
import json, re, sys
import numpy as np
name, csv, d, threads = sys.argv[1:]
rss, user, system = open(f"{d}/{name}.rss").read().split()[-3:]
log = open(f"{d}/{name}.log").read()
y = np.loadtxt(f"{d}/test.csv", delimiter=",", skiprows=1, usecols=0)
p = np.loadtxt(f"{d}/{name}.pred.txt")
uniq, first, counts = np.unique(np.sort(p), return_index=True, return_counts=True)
ranks = (first + (counts + 1) / 2)[np.searchsorted(uniq, p)]  # 1-based, ties averaged
npos = int(y.sum()); nneg = len(y) - npos
auc = (ranks[y == 1].sum() - npos * (npos + 1) / 2) / (npos * nneg)
print(json.dumps({"data": csv, "peer": name,
    "train_seconds": float(re.findall(r"([\d.]+) seconds elapsed, finished iteration", log)[-1]),
    "load_bin_seconds": float(re.search(r"Finished loading data in ([\d.]+) seconds", log).group(1)),
    "auc": round(float(auc), 4), "peak_rss_mb": round(int(rss) / 1024, 1),
    "cpu_seconds": round(float(user) + float(system), 2), "threads": int(threads)}))
PY
}

for set in ${SETS:-fraud click}; do
  [ -f "$data/$set.csv" ] || "$py" "$peers/make_data.py" --out "$data" --only "$set"
  mkdir -p "$out/$set"
  for peer in $peer_list; do
    "$py" "$peers/fit_peer.py" "$data/$set.csv" "$peer" | tee -a "$out/fit.jsonl"
  done
  # the training and test rows for the LightGBM CLI, written apart from the
  # timed fits (writing them raises the process's peak RSS)
  "$bench" -data "$data/$set.csv" -param num_iterations=1 -train-csv "$out/$set/train.csv" \
    -test-csv "$out/$set/test.csv" >/dev/null
  for _ in $(seq "${REPEAT:-1}"); do
    ours nightshift-gbdt "$set"
    ours nightshift-gbdt-quant "$set" "${quant[@]}"
    # XGBoost's default regularisation (min_child_weight=1, lambda=1), where
    # the AUC of one binning is stable enough to compare exact and quantized
    ours nightshift-gbdt-xgbreg "$set" "${xgbreg[@]}"
    ours nightshift-gbdt-quant-xgbreg "$set" "${xgbreg[@]}" "${quant[@]}"
    # leaf values renewed from the float gradients (quant_train_renew_leaf,
    # off by default as in LightGBM): on click 1M the quantized fit's AUC
    # loss is mostly in the leaf values of high-cardinality categories
    ours nightshift-gbdt-quant-renew-xgbreg "$set" "${xgbreg[@]}" "${quant[@]}" \
      -param quant_train_renew_leaf=true
    if [ -x "$lgb" ]; then
      lightgbm lightgbm-cli "$set"
      lightgbm lightgbm-cli-quant "$set" "${quant_cli[@]}"
    fi
  done
done

touch "$out/fit.jsonl"
"$py" - "$out/fit.jsonl" <<'PY'
import json, math, sys, os
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
runs = {}
for r in rows:
    runs.setdefault(os.path.basename(r["data"]), {}).setdefault(r["peer"], []).append(r)
def binboost(r):  # ours: binning + boosting; LightGBM: loading + binning + boosting
    return r["train_seconds"] + r.get("load_bin_seconds", 0)
def boost(r):
    return r.get("boost_seconds", r["train_seconds"])
def median(v):
    v = sorted(v)
    return (v[(len(v) - 1) // 2] + v[len(v) // 2]) / 2
def summary(rs):  # a fit's runs as one row: median times and CPU, the highest RSS
    r = dict(rs[-1])
    r["boost_seconds"] = median([boost(x) for x in rs])
    r["train_seconds"], r["load_bin_seconds"] = median([binboost(x) for x in rs]), 0
    r["cpu_seconds"] = median([x.get("cpu_seconds", 0) for x in rs])
    r["peak_rss_mb"] = max(x["peak_rss_mb"] for x in rs)
    r["boost_range"] = f'{min(boost(x) for x in rs):.2f}-{max(boost(x) for x in rs):.2f}' if len(rs) > 1 else ""
    return r
by = {d: {name: summary(rs) for name, rs in fits.items()} for d, fits in runs.items()}
n = max((len(rs) for fits in runs.values() for rs in fits.values()), default=1)
if n == 1:
    print("one run each, side by side, on a shared 2-core machine: ratios are of this run")
else:
    print(f"{n} runs each, interleaved, on a shared 2-core machine: medians (boost range), ratios of the medians")
print("cpu s: ours binning + boosting; LightGBM's whole process (loading, binning, boosting, saving)")
print(f'{"data":<10} {"fit":<36} {"boost s":>8} {"bin+boost s":>11} {"cpu s":>7} {"AUC":>7} {"RSS MB":>7}')
for d, rs in by.items():
    for name, r in rs.items():
        print(f'{d:<10} {name:<36} {boost(r):>8.2f} {binboost(r):>11.2f} {r.get("cpu_seconds", 0):>7.2f} {r["auc"]:>7.4f} {r["peak_rss_mb"]:>7.0f}'
              + (f'  ({r["boost_range"]})' if r["boost_range"] else ""))
    q = rs.get("nightshift-gbdt-quant")
    for peer in ("lightgbm-cli", "lightgbm-cli-quant"):
        if q and peer in rs:
            l = rs[peer]
            print(f'{d:<10} quant / {peer:<28} boost {boost(q)/boost(l):.2f}  bin+boost {binboost(q)/binboost(l):.2f}'
                  f'  RSS {q["peak_rss_mb"]/l["peak_rss_mb"]:.2f}')
    e = rs.get("nightshift-gbdt-xgbreg")
    for what, name in (("quantized", "nightshift-gbdt-quant-xgbreg"), ("quantized, renewed leaves", "nightshift-gbdt-quant-renew-xgbreg")):
        qx = rs.get(name)
        if not (e and qx):
            continue
        # Hanley-McNeil standard error of the exact fit's AUC
        a, npos = e["auc"], e["test_positives"]
        nneg = e["test_rows"] - npos
        q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
        se = math.sqrt((a * (1 - a) + (npos - 1) * (q1 - a * a) + (nneg - 1) * (q2 - a * a)) / (npos * nneg))
        print(f'{d:<10} xgbreg AUC exact {a:.4f}, {what} {qx["auc"]:.4f}, difference {qx["auc"]-a:+.4f},'
              f' Hanley-McNeil SE {se:.4f}: {"within" if abs(qx["auc"]-a) <= se else "OUTSIDE"} one SE')
PY

if [ ! -x "$lgb" ]; then
  echo "LightGBM check skipped: no LightGBM CLI at $lgb (build it with ../shared/tools/build-lightgbm.sh, or set LIGHTGBM_BIN)"
  exit 0
fi
# check NAME CSV GBDTBENCH-ARGS...: our model of CSV's training rows, scored
# on every row by us, by leaves (gbdtbench) and by the LightGBM CLI.
check() {
  local name=$1 csv=$2; shift 2
  [ -f "$csv" ] || { echo "LightGBM check $name skipped: $csv not found"; return 0; }
  local d=$out/check
  mkdir -p "$d"
  "$bench" -data "$csv" -all-rows "$@" -out "$d/$name.model.txt" -predictions "$d/$name.pred.txt" \
    -test-csv "$d/$name.rows.csv" >"$d/$name.json"
  "$lgb" task=predict input_model="$d/$name.model.txt" data="$d/$name.rows.csv" header=true \
    label_column=name:label precise_float_parser=true output_result="$d/$name.lgb.txt" >"$d/$name.lgb.log" 2>&1 \
    || { echo "LightGBM check $name FAILED: the CLI refused the model"; tail -3 "$d/$name.lgb.log"; return 1; }
  "$py" - "$name" "$d" <<'PY'
import json, sys
import numpy as np
name, d = sys.argv[1:]
ours, lgb = np.loadtxt(f"{d}/{name}.pred.txt", ndmin=1), np.loadtxt(f"{d}/{name}.lgb.txt", ndmin=1)
leaves = json.load(open(f"{d}/{name}.json"))["leaves_max_abs_diff"]
diff = float(np.abs(ours - lgb).max()) if ours.shape == lgb.shape else float("inf")
ok = diff <= 1e-12 and leaves <= 1e-12
print(json.dumps({"check": name, "rows": len(ours), "lightgbm_max_abs_diff": diff,
                  "leaves_max_abs_diff": leaves, "ok": ok}))
sys.exit(0 if ok else 1)
PY
}
status=0
for q in false true; do
  qx=()
  [ $q = true ] && qx=("${quant[@]}")
  check "creditcard_10k-q$q" "$shared/fraud/creditcard_10k.csv" -target Class -param use_quantized_grad=$q ${qx[@]+"${qx[@]}"} || status=1
  check "vehicle_claims-q$q" "$shared/fraud/vehicle_claims.csv" -target FraudFound_P -drop PolicyNumber -param use_quantized_grad=$q ${qx[@]+"${qx[@]}"} || status=1
  check "criteo_5k-q$q" "$shared/click/criteo_5k.csv" -param use_quantized_grad=$q ${qx[@]+"${qx[@]}"} || status=1
  check "criteo_200-q$q" "$shared/click/criteo_200.csv" -param min_data_in_leaf=2 -param use_quantized_grad=$q ${qx[@]+"${qx[@]}"} || status=1
  check "avazu_100-q$q" "$shared/click/avazu_100.csv" -target click -drop id -param min_data_in_leaf=2 -param use_quantized_grad=$q ${qx[@]+"${qx[@]}"} || status=1
  for set in ${SETS:-fraud click}; do
    check "$set-q$q" "$data/$set.csv" -param use_quantized_grad=$q ${qx[@]+"${qx[@]}"} || status=1
  done
done
exit $status
