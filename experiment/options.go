package experiment

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nightshift-ml/nightshift/features"
)

// OptionError is a problem with a command-line option that the library
// finds (an unknown model kind, a column the table does not have): the
// command exits with its usage code.
type OptionError struct {
	Flag string // without dashes, e.g. "model"
	Err  error
}

func (e *OptionError) Error() string {
	if msg := e.Err.Error(); strings.HasPrefix(msg, "--"+e.Flag) {
		return msg // already names the flag
	}
	return fmt.Sprintf("--%s: %v", e.Flag, e.Err)
}
func (e *OptionError) Unwrap() error { return e.Err }

// leakDecisions is features.DecideLeaks with an --allow-leak column the
// table lacks as an OptionError.
func leakDecisions(p *features.Profile, fr *features.Frame, allow []string) ([]features.LeakDecision, error) {
	ds, err := features.DecideLeaks(p, fr, allow)
	if err != nil {
		return nil, &OptionError{Flag: "allow-leak", Err: err}
	}
	return ds, nil
}

// IsOptionError reports whether err is a problem with a command-line
// option (OptionError).
func IsOptionError(err error) bool {
	var oe *OptionError
	return errors.As(err, &oe)
}
