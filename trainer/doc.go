// Package trainer holds the learners nightshift searches over and what they
// share: the numeric design (Dataset), metrics and fold splitting.
//
// Subpackages: gbdt (histogram gradient-boosted trees writing LightGBM text
// models), linear (logistic regression on gonum), metrics, split.
//
// Nothing here knows about files, frames, studies or journals: a learner sees
// a Dataset and labels, nothing else. Nothing here reads the holdout unless a
// caller hands it over.
package trainer
