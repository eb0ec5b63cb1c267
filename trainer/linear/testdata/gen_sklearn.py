#!/usr/bin/python3
"""Writes scikit-learn LogisticRegression reference solutions for trainer/linear's tests.

Run from the repository root with Debian's python3 (python3-sklearn 1.2.1, pandas):
    /usr/bin/python3 trainer/linear/testdata/gen_sklearn.py

1. sklearn_creditcard.json: coefficients (on StandardScaler-standardised inputs), intercept
   and test AUC for several penalties on ../shared/data/fraud/creditcard_10k.csv (target
   Class; no-redistribute, so only these numbers are committed, never the data). Split: the
   peers' rule, row i is a test row when i % 5 == 4. lbfgs for l2/none, saga for l1 and
   elasticnet, tolerances far below the Go tests' 1e-4.
2. mixed.csv + sklearn_mixed.json: a synthetic table (numeric with missing values, a
   categorical with rare levels and missing codes) generated here, and the coefficients
   sklearn finds on the design matrix built by the rules in trainer/linear/doc.go (mean
   imputation + missing indicator, population-std standardisation, one-hot of the
   max_levels most frequent levels with >= min_level_count rows, "other", "missing").

Each solution also records kkt: the largest (sub)gradient entry of the objective divided
by C * sum(sample weights), i.e. how close sklearn itself got to the optimum.
"""
import json
import os
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.utils.class_weight import compute_sample_weight

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
CREDITCARD = os.path.join(ROOT, "..", "shared", "data", "fraud", "creditcard_10k.csv")


def kkt(X, y, coef, intercept, C, l1_ratio, sw):
    z = X @ coef + intercept
    r = sw * (1 / (1 + np.exp(-z)) - y)
    S = C * sw.sum()
    g = (C * (X.T @ r) + (1 - l1_ratio) * coef) / S
    l1 = l1_ratio / S
    v = np.where(coef > 0, np.abs(g + l1), np.where(coef < 0, np.abs(g - l1), np.maximum(np.abs(g) - l1, 0)))
    return float(max(v.max(initial=0), abs(C * r.sum() / S)))


def fit(X, y, Xte, yte, cfg):
    kw = dict(C=cfg["C"], max_iter=1000000, tol=cfg["tol"])
    pen = cfg["penalty"]
    if pen == "l2":
        kw.update(penalty="l2", solver="lbfgs")
    elif pen == "none":
        kw.update(penalty="none", solver="lbfgs")
    elif pen == "l1":
        kw.update(penalty="l1", solver="saga")
    else:
        kw.update(penalty="elasticnet", solver="saga", l1_ratio=cfg["l1_ratio"])
    cw = cfg.get("class_weight")
    if cw == "balanced":
        kw["class_weight"] = "balanced"
    elif cw is not None:
        kw["class_weight"] = {0: 1.0, 1: float(cw)}
    t = time.perf_counter()
    m = LogisticRegression(**kw).fit(X, y)
    secs = time.perf_counter() - t
    sw = compute_sample_weight(kw.get("class_weight"), y)
    rho = {"l2": 0.0, "none": 0.0, "l1": 1.0}.get(pen, cfg.get("l1_ratio", 0.0))
    C = cfg["C"]
    k = kkt_of(X, y, m, C, rho, sw, pen)
    out = dict(cfg)
    out.update(solver=kw["solver"], coef=m.coef_[0].tolist(), intercept=float(m.intercept_[0]),
               n_iter=int(m.n_iter_[0]), kkt=k, fit_seconds=secs,
               test_auc=roc_auc_score(yte, m.predict_proba(Xte)[:, 1]))
    if kw["solver"] == "lbfgs":
        # sklearn 1.2's lbfgs passes only gtol to scipy, whose default ftol (2.2e-9,
        # relative) ends it at a gradient of ~1e-6 however small tol is. newton-cg
        # with a tight tol reaches the optimum itself; record it too.
        kw.update(solver="newton-cg", tol=1e-10, max_iter=10000)
        o = LogisticRegression(**kw).fit(X, y)
        out["optimum"] = dict(solver="newton-cg", coef=o.coef_[0].tolist(),
                              intercept=float(o.intercept_[0]), n_iter=int(o.n_iter_[0]),
                              kkt=kkt_of(X, y, o, C, rho, sw, pen),
                              test_auc=roc_auc_score(yte, o.predict_proba(Xte)[:, 1]))
    return out


def kkt_of(X, y, m, C, rho, sw, pen):
    if pen == "none":  # sklearn drops the penalty; the objective is the loss alone
        z = X @ m.coef_[0] + m.intercept_[0]
        r = sw * (1 / (1 + np.exp(-z)) - y)
        return float(max(np.abs(X.T @ r).max(), abs(r.sum())) / sw.sum())
    return kkt(X, y, m.coef_[0], m.intercept_[0], C, rho, sw)


def creditcard():
    if not os.path.exists(CREDITCARD):
        print("skipping creditcard: %s absent" % CREDITCARD, file=sys.stderr)
        return
    df = pd.read_csv(CREDITCARD)
    y = df.pop("Class").to_numpy(float)
    X = df.to_numpy(float)
    te = np.arange(len(y)) % 5 == 4
    mu = X[~te].mean(axis=0)
    sd = X[~te].std(axis=0)
    sd[sd == 0] = 1
    Xtr, Xte = (X[~te] - mu) / sd, (X[te] - mu) / sd
    cfgs = [
        dict(name="l2_C1", penalty="l2", C=1.0, tol=1e-12),
        dict(name="l2_C0.01_balanced", penalty="l2", C=0.01, class_weight="balanced", tol=1e-12),
        dict(name="l2_C0.1_pos5", penalty="l2", C=0.1, class_weight=5, tol=1e-12),
        dict(name="none", penalty="none", C=1.0, tol=1e-12),
        dict(name="l1_C0.05", penalty="l1", C=0.05, tol=1e-10),
        dict(name="elasticnet_C0.1_r0.5", penalty="elasticnet", C=0.1, l1_ratio=0.5, tol=1e-10),
    ]
    res = [fit(Xtr, y[~te], Xte, y[te], c) for c in cfgs]
    with open(os.path.join(HERE, "sklearn_creditcard.json"), "w") as f:
        json.dump({"sklearn_version": sklearn.__version__, "data": "fraud/creditcard_10k.csv",
                   "target": "Class", "split": "test when i % 5 == 4", "columns": list(df.columns),
                   "fits": res}, f, indent=1)
        f.write("\n")


def mixed():
    rng = np.random.default_rng(20261127)
    n = 3000
    x1 = rng.normal(0, 1, n)
    x2 = rng.lognormal(0, 1, n)
    x3 = rng.uniform(-2, 2, n)
    cat = np.minimum(rng.zipf(1.6, n) - 1, 11).astype(float)  # codes 0..11, skewed
    z = -1.5 + 0.8 * x1 - 0.5 * np.log(x2) + 0.3 * x3 + np.array([0.9, -0.4, 0.2, 0.5, -0.7, 0, 0, 0, 0, 0, 0, 0])[cat.astype(int)]
    x2[rng.random(n) < 0.1] = np.nan  # 10% missing
    z = z + 0.6 * np.isnan(x2)
    cat[rng.random(n) < 0.05] = np.nan
    z = z + np.where(np.isnan(cat), -0.8, 0)
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
    df = pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "c": cat, "y": y})
    df.to_csv(os.path.join(HERE, "mixed.csv"), index=False, float_format="%.17g", na_rep="")

    max_levels, min_count = 5, 30
    cols, names = [], []
    for name in ["x1", "x2", "x3"]:
        v = df[name].to_numpy(float)
        miss = np.isnan(v)
        v = np.where(miss, np.nanmean(v), v)
        for col, nm in ([(v, name)] + ([(miss.astype(float), name + "_missing")] if miss.any() else [])):
            sd = col.std()
            cols.append((col - col.mean()) / (sd if sd > 0 else 1))
            names.append(nm)
    c = df["c"].to_numpy(float)
    counts = pd.Series(c[~np.isnan(c)]).value_counts()
    levels = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    kept = [lv for lv, k in levels[:max_levels] if k >= min_count]
    for lv in kept:
        cols.append((c == lv).astype(float))
        names.append("c=%d" % lv)
    if len(kept) < len(levels):
        cols.append((~np.isnan(c) & ~np.isin(c, kept)).astype(float))
        names.append("c=other")
    if np.isnan(c).any():
        cols.append(np.isnan(c).astype(float))
        names.append("c=missing")
    X = np.column_stack(cols)
    cfgs = [
        dict(name="l2_C1", penalty="l2", C=1.0, tol=1e-12),
        dict(name="l1_C0.02_balanced", penalty="l1", C=0.02, class_weight="balanced", tol=1e-10),
        dict(name="elasticnet_C0.05_r0.3", penalty="elasticnet", C=0.05, l1_ratio=0.3, tol=1e-10),
    ]
    res = [fit(X, y, X, y, cfg) for cfg in cfgs]
    with open(os.path.join(HERE, "sklearn_mixed.json"), "w") as f:
        json.dump({"sklearn_version": sklearn.__version__, "max_levels": max_levels,
                   "min_level_count": min_count, "design_columns": names, "fits": res}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    mixed()
    creditcard()
