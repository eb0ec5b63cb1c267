package experiment

import (
	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
)

// Num is a float64 that encodes NaN and ±Inf as JSON null (studyview.Num).
type Num = studyview.Num

// readStudy returns a study and its decoded configuration (the read
// model's decoding, into the writer's type).
func readStudy(j *journal.Journal, name string) (journal.Study, StudyConfig, error) {
	var cfg StudyConfig
	st, err := j.GetStudy(name)
	if err != nil {
		return st, cfg, err
	}
	err = studyview.DecodeConfig(st, &cfg)
	return st, cfg, err
}
