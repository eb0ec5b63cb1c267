// Package experiment runs studies: it owns the study config and budgets,
// the evaluation protocol (holdout, cross-validation, early stopping,
// pruning), the scheduler and worker pool, the planners, resume and
// promotion. It wires features, trainer and journal together; one trial's
// path (spec → pipeline fit → binned data → train per fold → score →
// journal) reads top to bottom here.
//
// Invariant: nothing in the search path reads the holdout rows. Only
// promotion and the final report score them, once.
package experiment
