// Package plan is the vocabulary the study and its planners share, below
// both so that neither imports the other: TrialSpec (a trial's identity)
// and its normalisation, the model kinds' search spaces, the History a
// planner reads, the Planner interface and the Result it hands back for
// the round journal, and the fold-paired comparison that turns two
// trials' fold scores into a verdict.
//
// Nothing here runs a trial, reads a file or touches the journal; and
// nothing here ever sees holdout rows.
package plan
