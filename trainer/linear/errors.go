package linear

import "errors"

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
