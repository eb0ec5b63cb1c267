// Package dsl is nightshift's feature transform language: small typed
// expressions over a Frame's columns that a person or a planner (built-in or
// LLM) writes, that are checked against the data before anything runs, fitted
// on training rows only and applied identically at validation and prediction
// time.
//
// The model, in order of use:
//
//	Parse(text) → *Spec          syntax only; errors carry line:column and a hint
//	Spec.Canonical / Spec.Hash   normalised text and its stable identity
//	Check(spec, frame, opts)     column kinds, argument ranges, leakage, cost
//	Fit(ctx, spec, train, y, o)  → *Pipeline (fitted state) + training Output
//	Pipeline.Apply(ctx, frame)   → *Output for any rows, same code path
//	json.Marshal(pipeline) / UnmarshalPipeline: versioned, bit-identical outputs
//
// A spec is relative to the base columns: every numeric, datetime (as Unix
// seconds) and categorical column of the frame passes through unchanged
// unless the spec says drop(col); text and identifier columns never pass
// through raw (models see them only through transforms); the target column
// and columns the profile flagged as leaks never pass through and may not be
// referenced.
//
// Ops that read the label (target_mean) are fitted out-of-fold on the training
// rows; group aggregates with time= see only strictly earlier rows; static
// group aggregates give each training row its group without itself, which is
// what a new row sees. The row ops (sum, mean, min, max, wsum) take any
// number of arguments and aggregate the ones present in the row, so a total
// over partly missing parts is the total of what is known. Ops() is
// the single registry of ops: it generates docs/features.md and Reference(),
// the text the LLM planner is shown. RangeLike tells a planner which
// categorical columns hold binned numeric ranges ("26 to 30", "more than
// 69000") that range_mid(c) reads as ordered numbers.
//
// Nothing here knows about models: Output holds features.Columns (numeric or
// categorical) and Sparse blocks whose fields mirror trainer.SparseBlock, so
// the conversion to a trainer.Dataset is a field-by-field copy (see Output).
package dsl
