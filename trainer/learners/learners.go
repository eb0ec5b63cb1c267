// Package learners is the one place that knows each model kind nightshift
// trains: its parameter parser, fit, prediction and model file. Each kind
// is one file here implementing trainer.Learner; Lookup names them all.
//
// Adding a kind: a file with a type implementing trainer.Learner (and
// trainer.Iterative when early stopping sizes it), its line in Lookup and
// Kinds, and its search space beside the planners.
package learners

import (
	"fmt"
	"strings"

	"github.com/nightshift-ml/nightshift/trainer"
)

// Model kinds.
const (
	GBDT   = "gbdt"
	Logreg = "logreg"
)

// Kinds lists every model kind, in the order errors and help text name them.
func Kinds() []string { return []string{GBDT, Logreg} }

// Lookup returns the learner of a model kind; an unknown kind is an error
// naming the valid ones.
func Lookup(kind string) (trainer.Learner, error) {
	switch kind {
	case GBDT:
		return gbdtLearner{}, nil
	case Logreg:
		return logregLearner{}, nil
	}
	return nil, fmt.Errorf("model %q: want %s", kind, strings.Join(Kinds(), " or "))
}
