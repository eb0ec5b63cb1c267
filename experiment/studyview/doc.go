// Package studyview is the study read model: what `status`, `trials`,
// `export` and the report all read from a journaled study, computed in one
// place so they agree — the decoded study config, the metric's direction,
// the leader (the study's pick: best mean − standard error), the
// leaderboard, the trial counts, the time spent and the tokens used.
//
// Main types: Config (a study's stored configuration), Study (one
// consistent journal.Snapshot with its decoded config), Status and
// TrialRow (the stable JSON forms of `status` and `trials`).
//
// It imports the journal and nothing that trains: reading a study never
// loads the data file, fits a model or takes the journal's write lock, so
// every reader here works while the study runs.
package studyview
