package linear

import (
	"errors"
	"fmt"
)

// Errors returned by the package, wrapped with the parameter, feature or
// field at fault; test with errors.Is.
var (
	// ErrParam: a parameter is unknown or outside its range.
	ErrParam = errors.New("linear: bad parameter")
	// ErrData: the training or scoring data cannot be used (shape, labels,
	// a feature the model needs is absent or of the wrong kind).
	ErrData = errors.New("linear: bad data")
	// ErrModel: a saved model is malformed or of an unknown format/version.
	ErrModel = errors.New("linear: bad model file")
)

// ValueError is a feature value logistic regression cannot use (±Inf).
// Row indexes the training rows, so that the caller, who knows where they
// came from, can name the file line.
type ValueError struct {
	Feature string
	Row     int
	Value   float64
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("%v: numeric feature %q row %d is %v", ErrData, e.Feature, e.Row, e.Value)
}

func (e *ValueError) Unwrap() error { return ErrData }
