#!/usr/bin/env bash
# The flat-rate benchmark (issue 20, "A flat trial rate"): one study on a
# small table for BUDGET; prints the trials per minute, the CPU share
# (process CPU seconds / wall / cores) and the CPU seconds per trial in
# the first and the last SEGMENT, and writes CPU profiles of the first
# and the last PROFILE window (pprof, from a -tags pprof build).
#
#   BUDGET=60m SEGMENT=10m experiment/bench/flatrate.sh          # this tree
#   BEFORE=f84bae0 BUDGET=20m SEGMENT=5m experiment/bench/flatrate.sh
#
# BEFORE=REF also builds REF (a git worktree under OUT) and runs it first,
# same settings, so the two lines are one A/B. PRELOAD=FILE starts each
# side from a copy of a journal holding study STUDY (resumed with
# --budget), to see the late rate without waiting for the early one.
# Defaults: DATA=../shared/data/fraud/creditcard_10k.csv TARGET=Class
# BUDGET=20m SEGMENT=5m PROFILE=3m (0: no profiles) OUT=bin/bench/flat.
# The machine is usually shared: the CPU seconds per trial and the
# profiles' shares move far less with the neighbours' load than the rate.
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared}
DATA=${DATA:-$SHARED/data/fraud/creditcard_10k.csv}
TARGET=${TARGET:-Class}
BUDGET=${BUDGET:-20m}
SEGMENT=${SEGMENT:-5m}
PROFILE=${PROFILE:-3m}
STUDY=${STUDY:-flat}
OUT=${OUT:-bin/bench/flat}
PORT=${PORT:-6061}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

seconds() { # 90s, 5m, 1h → seconds
  local v=$1
  case $v in
    *h) echo $((${v%h} * 3600)) ;; *m) echo $((${v%m} * 60)) ;; *s) echo "${v%s}" ;; *) echo "$v" ;;
  esac
}
budget_s=$(seconds "$BUDGET")
segment_s=$(seconds "$SEGMENT")
profile_s=$(seconds "$PROFILE")
cores=$(nproc)
tck=$(getconf CLK_TCK)

# profile NAME: a CPU profile of the next PROFILE seconds, and the window
# it covers (NAME.window: start and end, epoch seconds).
profile() {
  local t0; t0=$(date +%s.%N)
  curl -s -o "$OUT/$1.pprof" "http://127.0.0.1:$PORT/debug/pprof/profile?seconds=$profile_s" || true
  echo "$t0 $(date +%s.%N)" > "$OUT/$1.window"
}

# run SIDE BIN: one study, the process's CPU sampled every 2 s, profiles of
# the first and the last window, then the trials exported.
run() {
  local side=$1 bin=$2 db=$OUT/$1.db
  rm -f "$db" "$db.lock"
  if [ -n "${PRELOAD:-}" ]; then cp "$PRELOAD" "$db"; fi
  local args=(run --data "$DATA" --target "$TARGET" --study "$STUDY" --db "$db" --budget "$BUDGET" --grace 5s)
  [ -n "${PRELOAD:-}" ] && args=(resume --study "$STUDY" --db "$db" --budget "$BUDGET" --grace 5s)
  NIGHTSHIFT_PPROF=127.0.0.1:$PORT "$bin" "${args[@]}" > "$OUT/$side.log" 2>&1 &
  local pid=$!
  : > "$OUT/$side.cpu"
  ( while kill -0 "$pid" 2>/dev/null; do
      read -r -a f < "/proc/$pid/stat" 2>/dev/null || break
      echo "$(date +%s.%N) $(( f[13] + f[14] ))" >> "$OUT/$side.cpu"
      sleep 2
    done ) &
  local sampler=$!
  if [ "$profile_s" -gt 0 ]; then
    sleep 5 # the table loads
    profile "$side-early"
    local late=$(( budget_s - 5 - profile_s - 10 - profile_s ))
    [ "$late" -gt 0 ] && sleep "$late"
    profile "$side-late"
  fi
  wait "$pid" || true
  wait "$sampler" || true
  "$bin" export --study "$STUDY" --db "$db" --json > "$OUT/$side.json"
  summarize "$side"
}

# summarize SIDE: one JSON line from OUT/SIDE.json (the exported study),
# OUT/SIDE.cpu (the CPU samples) and the profiles.
summarize() {
  local side=$1
  # Each profile's CPU seconds, and those outside the trials: samples with
  # no frame in Search.Evaluate, trainer/ or features/ (the scheduler,
  # planner, journal, GC). Samples the unwinder cut short in the
  # trainers (an asyncPreempt leaf, or no caller above a trainer frame)
  # would otherwise read as overhead.
  for w in early late; do
    [ -s "$OUT/$side-$w.pprof" ] || continue
    total=$(go tool pprof -top -nodecount=1 "$OUT/$side-$w.pprof" 2>/dev/null | sed -n 's/.*Total samples = \([0-9.]*\)\(m*\)s.*/\1 \2/p')
    outside=$(go tool pprof -top -nodefraction=0 -nodecount=100000 -ignore 'Search\)\.Evaluate|asyncPreempt|/trainer/|/features/' "$OUT/$side-$w.pprof" 2>/dev/null |
      sed -n 's/.*Showing nodes accounting for \([0-9.]*\)\(m*\)s.*/\1 \2/p')
    echo "$w $total $outside" | awk '{ t = $2; if ($3 == "m") t /= 1000; o = $3 == "m" ? $4 : $3; u = $3 == "m" ? $5 : $4; if (u == "m") o /= 1000; print $1, t, t - o }' > "$OUT/$side-$w.share"
  done
  python3 - "$side" "$OUT/$side.json" "$OUT/$side.cpu" "$segment_s" "$cores" "$tck" "$OUT" <<'PY'
import json, os, sys
from datetime import datetime
side, path, cpu, seg, cores, tck, outdir = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
ex = json.load(open(path))
samples = [tuple(map(float, l.split())) for l in open(cpu) if l.strip()]
t0, tend = samples[0][0], samples[-1][0]
def cpu_at(t):  # process CPU seconds at time t (linear between samples)
    prev = samples[0]
    for s in samples:
        if s[0] >= t:
            if s[0] == prev[0]:
                return s[1] / tck
            return (prev[1] + (s[1] - prev[1]) * (t - prev[0]) / (s[0] - prev[0])) / tck
        prev = s
    return samples[-1][1] / tck
def ts(x):
    return datetime.fromisoformat(x.replace("Z", "+00:00")).timestamp()
ends = [ts(t["finished"]) for t in ex["trials"] if t.get("finished") and t["state"] in ("done", "pruned", "failed")]
before = sum(1 for e in ends if e < t0)
segs = [(t0 + 5, t0 + 5 + seg), (tend - 10 - seg, tend - 10)]  # skip the load; the end's grace
out = {"side": side, "trials_before": before, "trials": len(ends), "wall_s": round(tend - t0, 1), "segments": []}
# A worker's dead time per trial: from the trial's start to its
# evaluation's start and from its end to the worker's next trial (the
# journal's commits, the planner, the hand-off), i.e. the wall time of the
# trial and the gap after it less the evaluation's own time (its timings'
# total). Read from the journal, so it holds on a loaded machine too
# (where the scheduler's delays add to both sides alike).
by_worker = {}
for t in ex["trials"]:
    if t.get("started") and t.get("finished") and t.get("timings") and t["state"] in ("done", "pruned", "failed"):
        by_worker.setdefault(t["worker"], []).append((ts(t["started"]), ts(t["finished"]), t["timings"].get("total", 0)))
dead = []  # (start, seconds)
for runs in by_worker.values():
    runs.sort()
    for (s0, f0, tot), (s1, _, _) in zip(runs, runs[1:]):
        if s1 - f0 < 5:  # the next trial of the same session
            dead.append((s0, (f0 - s0 - tot) + (s1 - f0)))
for a, b in segs:
    n = sum(1 for e in ends if a <= e < b)
    d = sorted(x for st, x in dead if a <= st < b)
    c = cpu_at(b) - cpu_at(a)
    done_before = sum(1 for e in ends if e < a)
    out["segments"].append({"from_s": round(a - t0), "to_s": round(b - t0), "trials_at_start": done_before, "trials": n,
        "per_min": round(n / (b - a) * 60, 1), "cpu_share": round(c / (b - a) / cores, 3),
        "cpu_ms_per_trial": round(1000 * c / n, 1) if n else None,
        "dead_ms_per_trial": round(1000 * sum(d) / len(d), 1) if d else None,
        "dead_ms_median": round(1000 * d[len(d) // 2], 1) if d else None})
out["profiles"] = []
for w in ("early", "late"):
    share, window = os.path.join(outdir, f"{side}-{w}.share"), os.path.join(outdir, f"{side}-{w}.window")
    if not (os.path.exists(share) and os.path.exists(window)):
        continue
    _, total, inside = open(share).read().split()
    a, b = map(float, open(window).read().split())
    n = sum(1 for e in ends if a <= e < b)
    total, inside = float(total), float(inside)
    out["profiles"].append({"window": w, "from_s": round(a - t0), "to_s": round(b - t0), "trials": n, "cpu_s": total,
        "outside_trials_share": round(1 - inside / total, 4) if total else None,
        "outside_ms_per_trial": round(1000 * (total - inside) / n, 2) if n else None})
f, l = out["segments"]
out["late_over_early_rate"] = round(l["per_min"] / f["per_min"], 3) if f["per_min"] else None
print(json.dumps(out))
PY
}

results=$OUT/flatrate.jsonl
if [ -n "${SUMMARIZE:-}" ]; then # SUMMARIZE="before after": the table again from OUT's files
  : > "$results"
  for side in $SUMMARIZE; do summarize "$side" >> "$results"; done
  BEFORE= AFTER=0
else
  : > "$results"
fi
if [ -n "${BEFORE:-}" ]; then
  wt=$OUT/before-src
  [ -d "$wt" ] || git worktree add --detach "$wt" "$BEFORE" > /dev/null
  # The profiling hook may postdate REF: the same file is copied in.
  cp cmd/nightshift/pprof.go "$wt/cmd/nightshift/pprof.go"
  (cd "$wt" && go build -tags pprof -o "$OUT/nightshift-before" ./cmd/nightshift)
  run before "$OUT/nightshift-before" >> "$results"
fi
if [ "${AFTER:-1}" != 0 ]; then # AFTER=0: the BEFORE side only
  go build -tags pprof -o "$OUT/nightshift-after" ./cmd/nightshift
  run after "$OUT/nightshift-after" >> "$results"
fi
python3 - "$results" "$SEGMENT" "$BUDGET" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"flat rate, {sys.argv[3]} study, segments of {sys.argv[2]} (first vs last; load on a shared machine moves trials/min, less so CPU ms/trial)")
print("| side | trials | segment | trials at start | trials/min | CPU share | CPU ms/trial | worker dead ms/trial (mean, median) |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    for name, s in zip(("first", "last"), r["segments"]):
        print(f"| {r['side']} | {r['trials']} | {name} {s['from_s']}-{s['to_s']} s | {s['trials_at_start']} | {s['per_min']} | {100*s['cpu_share']:.0f}% | {s['cpu_ms_per_trial']} | {s.get('dead_ms_per_trial')}, {s.get('dead_ms_median')} |")
    print(f"| {r['side']} | | last/first rate | | {r['late_over_early_rate']} | | | |")
print()
print("| side | profile window | trials | CPU s | share outside the trials | outside ms/trial |")
print("|---|---|---|---|---|---|")
for r in rows:
    for p in r.get("profiles", []):
        print(f"| {r['side']} | {p['window']} {p['from_s']}-{p['to_s']} s | {p['trials']} | {p['cpu_s']:.1f} | {100*(p['outside_trials_share'] or 0):.1f}% | {p['outside_ms_per_trial']} |")
PY
echo "profiles: $OUT/*-early.pprof, $OUT/*-late.pprof (go tool pprof -top FILE)"
