package split

import "errors"

// Errors returned by the splitters, wrapped with the counts at fault; test
// with errors.Is.
var (
	// ErrOneClass: a train or validation part would hold a single class.
	ErrOneClass = errors.New("split: a part would hold a single class")
	// ErrBadLabel: a label other than 0 or 1.
	ErrBadLabel = errors.New("split: label is not 0 or 1")
	// ErrBadParam: a fraction, fold count or length out of range.
	ErrBadParam = errors.New("split: parameter out of range")
	// ErrBadTime: a NaN or infinite time stamp.
	ErrBadTime = errors.New("split: time stamp is NaN or infinite")
)
