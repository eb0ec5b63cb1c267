package metrics

import "errors"

// Errors returned by the metrics. They are wrapped with the position or value
// at fault; test with errors.Is.
var (
	// ErrLengthMismatch: labels, scores and weights differ in length.
	ErrLengthMismatch = errors.New("metrics: labels, scores and weights differ in length")
	// ErrEmpty: no rows (or no rows with positive weight).
	ErrEmpty = errors.New("metrics: no rows")
	// ErrOneClass: the labels hold only one class, so AUC and friends are undefined.
	ErrOneClass = errors.New("metrics: labels hold only one class")
	// ErrBadLabel: a label other than 0 or 1.
	ErrBadLabel = errors.New("metrics: label is not 0 or 1")
	// ErrNaNScore: a NaN (or infinite) score.
	ErrNaNScore = errors.New("metrics: score is NaN or infinite")
	// ErrScoreRange: a probability outside [0, 1] where one is required.
	ErrScoreRange = errors.New("metrics: probability outside [0, 1]")
	// ErrBadWeight: a negative, NaN or infinite sample weight.
	ErrBadWeight = errors.New("metrics: sample weight is negative, NaN or infinite")
	// ErrBadOption: an option out of its range (threshold, precision target, eps).
	ErrBadOption = errors.New("metrics: option out of range")
)
