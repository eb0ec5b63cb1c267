// Package split turns row counts, labels and time stamps into train and
// validation row indices: stratified holdout and K-fold, time-ordered holdout
// and expanding-window folds, and the peers' modulo split.
//
// Every function is a pure function of its arguments: randomness comes from a
// PCG generator (math/rand/v2) seeded with the caller's seed, so the same
// inputs give the same indices on every platform and Go release that keeps
// PCG's definition. Returned index slices are sorted ascending (row order) and
// never share memory with each other.
//
// Labels are 0/1 float64s, as everywhere in trainer. A split that would leave a
// fold's training or validation part with a single class is an error
// (ErrOneClass), not a silent NaN AUC later.
package split
