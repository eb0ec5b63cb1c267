package studyview

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/nightshift-ml/nightshift/features"
	"github.com/nightshift-ml/nightshift/journal"
)

// ConfigVersion is the version of Config's stored JSON form.
const ConfigVersion = 1

// Metrics a study may optimise.
const (
	MetricAUC     = "auc"
	MetricPRAUC   = "pr_auc"
	MetricLogLoss = "logloss"
)

// HigherIsBetter tells the direction of a metric: every metric but log
// loss grows with quality.
func HigherIsBetter(metric string) bool { return metric != MetricLogLoss }

// Config is a study's stored configuration: fixed at creation, restored by
// resume. HoldoutRows are the rows set aside before the first trial. The
// experiment package embeds it in its StudyConfig (which adds validation);
// the JSON form is this struct's.
type Config struct {
	Data         string               `json:"data"`
	Target       string               `json:"target"`
	Positive     string               `json:"positive,omitempty"`
	Load         features.LoadOptions `json:"load"`
	Task         string               `json:"task,omitempty"`
	Metric       string               `json:"metric"`
	Holdout      float64              `json:"holdout"`
	HoldoutSplit string               `json:"holdout_split,omitempty"` // "stratified" (default) or "modulo"
	Folds        int                  `json:"folds"`                   // 0: by data size (the experiment package resolves it)
	Screen       string               `json:"screen,omitempty"`        // screening rung: "auto", "off" (also when empty: studies from before it) or a fraction
	TimeCol      string               `json:"time_col,omitempty"`
	Seed         uint64               `json:"seed"`
	Planner      string               `json:"planner"`
	Workers      int                  `json:"workers"`
	Budget       Duration             `json:"budget"`
	MaxTrials    int                  `json:"max_trials,omitempty"`
	TrialTimeout Duration             `json:"trial_timeout"`
	MemoryBudget int64                `json:"memory_budget_bytes"`
	HoldoutRows  []int                `json:"holdout_rows"`
	// Rows is the table's row count at creation and HoldoutDigest a
	// digest of the held-out rows' values: a study continued on a changed
	// file (--allow-data-change) checks that its row numbers still name
	// the rows set aside. Empty in studies from before they were stored.
	Rows          int    `json:"rows,omitempty"`
	HoldoutDigest string `json:"holdout_digest,omitempty"`
	// SearchLabels is a digest of the search rows' labels at creation:
	// the folds are drawn from them, so a changed file keeps every
	// earlier row's fold only when they still hold. Empty in studies from
	// before it was stored.
	SearchLabels string `json:"search_labels_digest,omitempty"`
	// AllowLeaks are flagged leak columns the user keeps as features
	// (--allow-leak); the others are left out.
	AllowLeaks []string `json:"allow_leaks,omitempty"`
}

// DecodeConfig decodes a study's stored configuration into dst (a *Config,
// or a struct embedding one), refusing a config version newer than this
// nightshift.
func DecodeConfig(st journal.Study, dst any) error {
	if st.ConfigVersion > ConfigVersion {
		return fmt.Errorf("study %q: config version %d is newer than this nightshift (%d): %w", st.Name, st.ConfigVersion, ConfigVersion, journal.ErrNewerSchema)
	}
	if err := json.Unmarshal(st.Config, dst); err != nil {
		return fmt.Errorf("study %q: stored config unreadable: %w", st.Name, err)
	}
	return nil
}

// Duration is a time.Duration stored as its string ("8h0m0s").
type Duration time.Duration

// MarshalJSON writes the duration as text.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads the text form.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}
