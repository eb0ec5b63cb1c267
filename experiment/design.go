package experiment

import (
	"github.com/nightshift-ml/nightshift/experiment/design"
	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/features/dsl"
	"github.com/nightshift-ml/nightshift/trainer"
)

// DesignFromFrame is design.FromFrame: the usable columns of fr as a
// learner's design, the others reported with the reason.
func DesignFromFrame(fr *features.Frame, skip ...string) (*trainer.Dataset, []features.UnusedColumn) {
	return design.FromFrame(fr, skip...)
}

// DesignFromOutput is design.FromOutput: a feature pipeline's output as a
// learner's design.
func DesignFromOutput(o *dsl.Output) *trainer.Dataset { return design.FromOutput(o) }
