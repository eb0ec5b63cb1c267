#!/usr/bin/env python3
"""The 10/60 table of issue 20 across arms: one row per read of every study
that overnight.sh wrote, the pick's CV-to-holdout gap pooled per arm (the
mean over studies, its SE the root of the summed squared SEs over their
count), and whether a study's final model at BUDGET scores below the one
it had at ASOF by more than the earlier one's Hanley-McNeil SE.

    experiment/bench/overnight-table.py before=OUT1 after=OUT2 [racing=OUT3 ...]

Each OUT is an overnight.sh output directory (its overnight.jsonl); an arm
may be named several times (one directory per set or seed)."""
import json
import math
import os
import sys


def load(args):
    rows = []
    for a in args:
        arm, sep, out = a.partition("=")
        if not sep or not arm or not out:
            sys.exit("overnight-table.py: argument %r: want ARM=DIR" % a)
        path = os.path.join(out, "overnight.jsonl")
        try:
            f = open(path)
        except OSError as e:
            sys.exit("overnight-table.py: %s: %s" % (path, e.strerror))
        with f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    r = json.loads(line)
                except ValueError as e:
                    sys.exit("overnight-table.py: %s line %d: %s" % (path, n, e))
                r["arm"] = arm
                rows.append(r)
    return rows


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.split("\n\n")[1].strip())
    rows = load(sys.argv[1:])
    print("| arm | set | seed | search | final AUC ± SE | pick CV | pick holdout | gap ± SE | trials | journal |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in sorted(rows, key=lambda r: (r["dataset"], r["seed"], r["arm"], not r["as_of"])):
        j = "–" if r["journal_bytes"] is None else "%.1f MB" % (r["journal_bytes"] / 1e6)
        print("| %s | %s | %d | %s | %.4f ± %.4f | %.4f | %.4f | %+.4f ± %.4f | %d | %s |" % (
            r["arm"], r["dataset"], r["seed"], r["at"], r["final_auc"], r["final_se"], r["pick_cv"],
            r["pick_holdout"], r["gap"], r["gap_se"], r["trials"], j))
    print()
    for arm in dict.fromkeys(r["arm"] for r in rows):
        for as_of in (True, False):
            g = [r for r in rows if r["arm"] == arm and r["as_of"] == as_of]
            if g:
                mean = sum(r["gap"] for r in g) / len(g)
                se = math.sqrt(sum(r["gap_se"] ** 2 for r in g)) / len(g)
                print("%s: pooled gap of the pick at %s: %+.4f ± %.4f over %d studies (%s)" % (
                    arm, g[0]["at"], mean, se, len(g), ", ".join("%s/%d" % (r["dataset"], r["seed"]) for r in g)))
        early = {(r["dataset"], r["seed"]): r for r in rows if r["arm"] == arm and r["as_of"]}
        for r in rows:
            e = early.get((r["dataset"], r["seed"]))
            if r["arm"] != arm or r["as_of"] or e is None:
                continue
            d = r["final_auc"] - e["final_auc"]
            print("  %s/%d: final AUC at %s - at %s = %+.4f (SE at %s %.4f): %s" % (
                r["dataset"], r["seed"], r["at"], e["at"], d, e["at"], e["final_se"],
                "below by more than one SE" if d < -e["final_se"] else "within one SE or better"))
    starts = [r for r in rows if not r["as_of"] and "load" in r]
    if starts:
        print("load average at each start: " + ", ".join(
            "%s %s/%d %.1f" % (r["arm"], r["dataset"], r["seed"], r["load"]) for r in starts))


main()
