#!/usr/bin/python3
"""Writes sklearn_metrics.json: labels, scores, weights and scikit-learn's metric values.

Run with Debian's python3 (python3-sklearn 1.2.1, numpy):
    /usr/bin/python3 trainer/metrics/testdata/gen_fixtures.py
The output is deterministic (numpy Generator PCG64 seeded per case) and committed; the Go
tests in trainer/metrics compare against it to 1e-9. Thresholded metrics use the rule
"positive when score >= threshold", which is how precision_recall_curve defines its points.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import (accuracy_score, average_precision_score, brier_score_loss,
                             f1_score, log_loss, precision_recall_curve, precision_score,
                             recall_score, roc_auc_score)

TARGETS = [0.5, 0.9]


def case(name, y, p, w=None):
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    out = {"name": name, "y": y.tolist(), "p": p.tolist()}
    kw = {}
    if w is not None:
        w = np.asarray(w, dtype=float)
        out["w"] = w.tolist()
        kw["sample_weight"] = w
    out["auc"] = roc_auc_score(y, p, **kw)
    out["pr_auc"] = average_precision_score(y, p, **kw)
    out["logloss"] = log_loss(y, p, **kw)  # eps="auto": float64 machine epsilon in 1.2
    out["brier"] = brier_score_loss(y, p, **kw)
    pred = (p >= 0.5).astype(float)
    out["accuracy"] = accuracy_score(y, pred, **kw)
    out["precision"] = precision_score(y, pred, zero_division=0, **kw)
    out["recall"] = recall_score(y, pred, zero_division=0, **kw)
    out["f1"] = f1_score(y, pred, zero_division=0, **kw)

    prec, rec, thr = precision_recall_curve(y, p, **kw)
    prec, rec = prec[:-1], rec[:-1]  # drop the appended (recall 0, precision 1) end point
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(prec + rec > 0, 2 * prec * rec / (prec + rec), 0.0)
    best = f1.max()
    # the highest threshold among the (numerically) best ones
    k = max(i for i in range(len(thr)) if f1[i] >= best - 1e-12)
    out["best_f1_threshold"] = float(thr[k])
    out["best_f1"] = f1_score(y, (p >= thr[k]).astype(float), zero_division=0, **kw)
    out["recall_at_precision"] = {}
    for t in TARGETS:
        ok = prec >= t
        out["recall_at_precision"][str(t)] = float(rec[ok].max()) if ok.any() else 0.0
    return out


def main():
    cases = []
    cases.append(case("hand_ties", [0, 0, 1, 1, 0, 1, 0, 1, 1, 0],
                      [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.05, 0.9, 0.5, 0.5]))
    rng = np.random.default_rng(1)
    y = rng.random(100) < 0.5
    p = np.round(np.clip(0.5 + 0.25 * (y - 0.5) + rng.normal(0, 0.25, 100), 0, 1), 1)
    cases.append(case("balanced_100_rounded", y, p))
    rng = np.random.default_rng(2)
    y = rng.random(1000) < 0.02
    p = 1 / (1 + np.exp(-(-4 + 2.0 * y + rng.normal(0, 1, 1000))))
    cases.append(case("imbalanced_1000_continuous", y, p))
    rng = np.random.default_rng(3)
    y = rng.random(5000) < 0.05
    p = np.round(1 / (1 + np.exp(-(-3 + 1.5 * y + rng.normal(0, 1.2, 5000)))), 2)
    p[:40] = 0.0    # exact 0 and 1: log loss clipping matters
    p[40:60] = 1.0
    cases.append(case("imbalanced_5000_ties_clipped", y, p))
    rng = np.random.default_rng(4)
    y = rng.random(500) < 0.3
    p = np.round(1 / (1 + np.exp(-(-1 + 1.0 * y + rng.normal(0, 1, 500)))), 3)
    w = rng.integers(0, 4, 500).astype(float) + rng.random(500) * (rng.random(500) < 0.5)
    cases.append(case("weighted_500", y, p, w))
    rng = np.random.default_rng(5)
    y = rng.random(300) < 0.1
    cases.append(case("all_tied_300", y, np.full(300, 0.25)))
    y = np.array([0] * 50 + [1] * 7)
    p = np.concatenate([np.linspace(0.01, 0.4, 50), np.linspace(0.6, 0.99, 7)])
    cases.append(case("perfect_57", y, p))
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sklearn_metrics.json")
    with open(path, "w") as f:
        json.dump({"sklearn_version": sklearn.__version__, "precision_targets": TARGETS,
                   "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
