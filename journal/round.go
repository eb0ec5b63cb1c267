package journal

import (
	"encoding/json"
	"fmt"
	bolt "go.etcd.io/bbolt"
	"time"
)

// Round is one call to a planner: what it was asked, what it answered, what
// it cost and what became of its proposals.
type Round struct {
	ID        uint64 // 1, 2, … in the study; assigned by AddRound
	Planner   string // "builtin", "llm", "random"
	Prompt    string // the request (for an LLM, the prompt sent)
	Reply     string // the raw reply
	TokensIn  int
	TokensOut int
	Latency   time.Duration
	Accepted  []Proposal
	Rejected  []Proposal
	Error     string // the call failed (then usually a fallback event follows)
	Time      time.Time
}

// Proposal is one trial a planner proposed in a round.
type Proposal struct {
	SpecHash   string
	Spec       json.RawMessage
	Hypothesis string
	Reason     string // rejected: why (invalid feature, duplicate spec, over budget…)
	TrialID    uint64 // accepted: the trial it became, when known
}

type roundRecord struct {
	versioned
	ID        uint64           `json:"id"`
	Planner   string           `json:"planner"`
	Prompt    string           `json:"prompt,omitempty"`
	Reply     string           `json:"reply,omitempty"`
	TokensIn  int              `json:"tokens_in"`
	TokensOut int              `json:"tokens_out"`
	LatencyS  float64          `json:"latency_seconds"`
	Accepted  []proposalRecord `json:"accepted,omitempty"`
	Rejected  []proposalRecord `json:"rejected,omitempty"`
	Error     string           `json:"error,omitempty"`
	Time      time.Time        `json:"time"`
}

type proposalRecord struct {
	SpecHash   string          `json:"spec_hash,omitempty"`
	Spec       json.RawMessage `json:"spec,omitempty"`
	Hypothesis string          `json:"hypothesis,omitempty"`
	Reason     string          `json:"reason,omitempty"`
	TrialID    uint64          `json:"trial_id,omitempty"`
}

func toProposalRecords(ps []Proposal) []proposalRecord {
	out := make([]proposalRecord, len(ps))
	for i, p := range ps {
		out[i] = proposalRecord(p)
	}
	return out
}

func fromProposalRecords(ps []proposalRecord) []Proposal {
	if ps == nil {
		return nil
	}
	out := make([]Proposal, len(ps))
	for i, p := range ps {
		out[i] = Proposal(p)
	}
	return out
}

// AddRound appends a planner round to the study in its own transaction and
// returns its ID. A zero Time is stamped with the journal's clock.
func (j *Journal) AddRound(study string, r Round) (uint64, error) {
	if r.Planner == "" {
		return 0, fmt.Errorf("study %q round: empty planner name: %w", study, ErrInvalidRecord)
	}
	for _, ps := range [][]Proposal{r.Accepted, r.Rejected} {
		for i, p := range ps {
			if !validRaw(p.Spec) {
				return 0, fmt.Errorf("study %q round: proposal %d (%s): spec is not valid JSON: %w", study, i, p.SpecHash, ErrInvalidRecord)
			}
		}
	}
	if r.Time.IsZero() {
		r.Time = j.opts.Now().UTC()
	}
	err := j.appendRecord(study, bucketRounds, func(id uint64) any {
		r.ID = id
		return roundRecord{
			versioned: current(), ID: id, Planner: r.Planner, Prompt: r.Prompt, Reply: r.Reply,
			TokensIn: r.TokensIn, TokensOut: r.TokensOut, LatencyS: r.Latency.Seconds(),
			Accepted: toProposalRecords(r.Accepted), Rejected: toProposalRecords(r.Rejected),
			Error: r.Error, Time: r.Time,
		}
	})
	return r.ID, err
}

// ListRounds returns the study's planner rounds in order.
func (j *Journal) ListRounds(study string) ([]Round, error) {
	var out []Round
	err := j.view(func(tx *bolt.Tx) (err error) {
		out, err = roundsIn(tx, study)
		return err
	})
	return out, err
}

func roundsIn(tx *bolt.Tx, study string) ([]Round, error) {
	var out []Round
	err := scan(tx, study, bucketRounds, "round", func() record { return new(roundRecord) }, func(v record) {
		r := v.(*roundRecord)
		out = append(out, Round{
			ID: r.ID, Planner: r.Planner, Prompt: r.Prompt, Reply: r.Reply,
			TokensIn: r.TokensIn, TokensOut: r.TokensOut,
			Latency:  time.Duration(r.LatencyS * float64(time.Second)),
			Accepted: fromProposalRecords(r.Accepted), Rejected: fromProposalRecords(r.Rejected),
			Error: r.Error, Time: r.Time,
		})
	})
	return out, err
}

// roundTokens is the part of a round record TokensSpent reads.
type roundTokens struct {
	versioned
	TokensIn  int `json:"tokens_in"`
	TokensOut int `json:"tokens_out"`
}

// TokensSpent sums the planner tokens of all the study's rounds, decoding
// only the token fields.
func (j *Journal) TokensSpent(study string) (in, out int, err error) {
	err = j.view(func(tx *bolt.Tx) error {
		return scan(tx, study, bucketRounds, "round", func() record { return new(roundTokens) }, func(v record) {
			r := v.(*roundTokens)
			in += r.TokensIn
			out += r.TokensOut
		})
	})
	return in, out, err
}
