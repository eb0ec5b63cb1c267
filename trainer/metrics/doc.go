// Package metrics scores binary classifiers the way scikit-learn does, so a
// nightshift number can be put next to a Python one without caveats.
//
// Ranking metrics (ROCAUC, AveragePrecision) work on any finite scores;
// LogLoss, Brier and Compute need probabilities in [0, 1]. Labels are 0 or 1.
// Optional sample weights follow scikit-learn's sample_weight. ROC AUC is the
// exact trapezoid area with tied scores averaged (the Mann–Whitney statistic);
// average precision is the uninterpolated step sum Σ (R_k − R_{k−1}) P_k over
// distinct thresholds (sklearn's average_precision_score); log loss clips
// probabilities to [eps, 1 − eps] with eps the float64 machine epsilon
// (sklearn ≥ 1.2's eps="auto").
//
// Thresholded metrics count a row as predicted positive when its score is
// >= the threshold (the convention of sklearn's precision_recall_curve; note
// that sklearn's LogisticRegression.predict uses > 0.5).
//
// Everything here is a pure function of its arguments; nothing is cached.
package metrics
