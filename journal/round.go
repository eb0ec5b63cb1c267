package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Round is one call to a planner: what it was asked, what it answered, what
// it cost and what became of its proposals.
type Round struct {
	ID        uint64 // 1, 2, … in the study; assigned by AddRound
	Planner   string // "builtin", "llm", "random"
	Prompt    string // the request (for an LLM, the prompt sent)
	Reply     string // the raw reply (an LLM's answer); empty for planners whose proposals are the whole answer
	TokensIn  int
	TokensOut int
	Latency   time.Duration
	Accepted  []Proposal
	Rejected  []Proposal
	Error     string // the call failed (then usually a fallback event follows)
	Time      time.Time

	// An LLM call's details, absent (zero) in rounds of other planners
	// and in rounds journaled before they existed: the structured-output
	// path the reply came by ("json_schema", "json_object", "text"),
	// whether a repair turn was sent, the request's identity (the hash
	// of its model, messages, schema and parameters: a resumed study
	// never sends a request whose reply is journaled), whether the reply
	// was replayed from the journal, and the HTTP attempts made.
	Path        string
	Repaired    bool
	RequestHash string
	Replayed    bool
	Attempts    int
}

// Proposal is one trial a planner proposed in a round.
type Proposal struct {
	SpecHash   string
	Spec       json.RawMessage
	Hypothesis string
	Reason     string // rejected: why (invalid feature, duplicate spec, over budget…)
	TrialID    uint64 // accepted: the trial it became, when known
	// LLM proposals: ID ("round.index") names the proposal its trials
	// refer to (Trial.Proposal); Parent is the trial it changes (0: the
	// base columns); Tune the parameters its later trials search; Of the
	// proposal a tuning trial continues.
	ID     string
	Parent uint64
	Tune   []string
	Of     string
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
	// Added after version 1's first release; absent fields read as zero.
	Path        string `json:"path,omitempty"`
	Repaired    bool   `json:"repaired,omitempty"`
	RequestHash string `json:"request_hash,omitempty"`
	Replayed    bool   `json:"replayed,omitempty"`
	Attempts    int    `json:"attempts,omitempty"`
}

type proposalRecord struct {
	SpecHash   string          `json:"spec_hash,omitempty"`
	Spec       json.RawMessage `json:"spec,omitempty"`
	Hypothesis *string         `json:"hypothesis,omitempty"` // nil in a spec_ref record: the spec entry's
	Reason     string          `json:"reason,omitempty"`
	TrialID    uint64          `json:"trial_id,omitempty"`
	// SpecID (schema 3): the spec hash and spec are the spec store's
	// entry SpecID.
	SpecID uint64   `json:"spec_id,omitempty"`
	ID     string   `json:"id,omitempty"`
	Parent uint64   `json:"parent,omitempty"`
	Tune   []string `json:"tune,omitempty"`
	Of     string   `json:"of,omitempty"`
}

// toProposalRecords stores each proposal's spec in the spec store (when
// new) and refers to it there.
func toProposalRecords(ss specStore, ps []Proposal) ([]proposalRecord, error) {
	out := make([]proposalRecord, len(ps))
	for i, p := range ps {
		r := proposalRecord{SpecHash: p.SpecHash, Spec: p.Spec, Reason: p.Reason, TrialID: p.TrialID, ID: p.ID, Parent: p.Parent, Tune: p.Tune, Of: p.Of}
		if p.Hypothesis != "" {
			r.Hypothesis = &p.Hypothesis
		}
		e, id, err := ss.remember(p.SpecHash, p.Spec, p.Hypothesis)
		if err != nil {
			return nil, err
		}
		if id != 0 {
			r.SpecID, r.SpecHash, r.Spec, r.Hypothesis = id, "", nil, &p.Hypothesis
			if e.hypothesis == p.Hypothesis {
				r.Hypothesis = nil
			}
		}
		out[i] = r
	}
	return out, nil
}

// fromProposalRecords reads proposals back, their specs from the store
// and, for accepted ones, the trial that ran the spec when the record does
// not name it.
func fromProposalRecords(ss specStore, round uint64, ps []proposalRecord, accepted bool) ([]Proposal, error) {
	if ps == nil {
		return nil, nil
	}
	out := make([]Proposal, len(ps))
	for i, r := range ps {
		p := Proposal{SpecHash: r.SpecHash, Spec: r.Spec, Hypothesis: deref(r.Hypothesis), Reason: r.Reason, TrialID: r.TrialID, ID: r.ID, Parent: r.Parent, Tune: r.Tune, Of: r.Of}
		if r.SpecID != 0 && !ss.noSpecs {
			e, err := ss.entry(r.SpecID)
			if err != nil {
				return nil, fmt.Errorf("round %d proposal %d: %w", round, i+1, err)
			}
			p.SpecHash, p.Spec = e.hash, bytes.Clone(e.spec)
			if r.Hypothesis == nil {
				p.Hypothesis = e.hypothesis
			}
		}
		if accepted && p.TrialID == 0 && p.SpecHash != "" {
			x, _, err := ss.lookup(p.SpecHash)
			if err != nil {
				return nil, err
			}
			p.TrialID = x.owner
		}
		out[i] = p
	}
	return out, nil
}

// AddRound appends a planner round to the study in its own transaction and
// returns its ID. A zero Time is stamped with the journal's clock; an
// accepted proposal without an ID gets ProposalID(round, index).
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
	err := j.update(func(tx *bolt.Tx) error {
		nb, ss, err := roundBuckets(tx, study)
		if err != nil {
			return err
		}
		id, err := nb.NextSequence()
		if err != nil {
			return err
		}
		r.ID = id
		for i := range r.Accepted {
			if r.Accepted[i].ID == "" {
				r.Accepted[i].ID = ProposalID(id, i)
			}
		}
		rec, err := roundToRecord(ss, r)
		if err != nil {
			return err
		}
		return putRound(nb, study, rec)
	})
	return r.ID, err
}

// roundToRecord is the record of r as stored, its proposals' specs in the
// spec store.
func roundToRecord(ss specStore, r Round) (roundRecord, error) {
	rec := roundRecord{
		versioned: current(), ID: r.ID, Planner: r.Planner, Prompt: r.Prompt, Reply: r.Reply,
		TokensIn: r.TokensIn, TokensOut: r.TokensOut, LatencyS: r.Latency.Seconds(),
		Error: r.Error, Time: r.Time,
		Path: r.Path, Repaired: r.Repaired, RequestHash: r.RequestHash, Replayed: r.Replayed, Attempts: r.Attempts,
	}
	var err error
	if rec.Accepted, err = toProposalRecords(ss, r.Accepted); err != nil {
		return roundRecord{}, err
	}
	rec.Rejected, err = toProposalRecords(ss, r.Rejected)
	return rec, err
}

// roundBuckets returns the study's rounds bucket and its spec store.
func roundBuckets(tx *bolt.Tx, study string) (*bolt.Bucket, specStore, error) {
	rounds, err := studyNested(tx, study, bucketRounds)
	if err != nil {
		return nil, specStore{}, err
	}
	ss, err := specStoreOf(tx, study)
	return rounds, ss, err
}

func putRound(nb *bolt.Bucket, study string, rec roundRecord) error {
	data, err := encodeRecord(fmt.Sprintf("study %q round %d", study, rec.ID), rec)
	if err != nil {
		return err
	}
	return nb.Put(seqKey(rec.ID), data)
}

func (r *roundRecord) round(ss specStore) (Round, error) {
	out := Round{
		ID: r.ID, Planner: r.Planner, Prompt: r.Prompt, Reply: r.Reply,
		TokensIn: r.TokensIn, TokensOut: r.TokensOut,
		Latency: time.Duration(r.LatencyS * float64(time.Second)),
		Error:   r.Error, Time: r.Time,
		Path: r.Path, Repaired: r.Repaired, RequestHash: r.RequestHash, Replayed: r.Replayed, Attempts: r.Attempts,
	}
	var err error
	if out.Accepted, err = fromProposalRecords(ss, r.ID, r.Accepted, true); err != nil {
		return Round{}, err
	}
	out.Rejected, err = fromProposalRecords(ss, r.ID, r.Rejected, false)
	return out, err
}

// ProposalID names the i-th (0-based) accepted proposal of a round:
// "round.i+1".
func ProposalID(round uint64, i int) string { return fmt.Sprintf("%d.%d", round, i+1) }

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
	nb, ss, err := roundBuckets(tx, study)
	if err != nil {
		return nil, err
	}
	return roundsFrom(nb, ss)
}

func roundsFrom(nb *bolt.Bucket, ss specStore) ([]Round, error) {
	var out []Round
	err := decodeEach(nb, ss.study, "round", func() record { return new(roundRecord) }, func(v record) error {
		r, err := v.(*roundRecord).round(ss)
		out = append(out, r)
		return err
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

// LinkProposal records that the accepted proposal id of round became
// trial, in one transaction. The round is otherwise unchanged.
func (j *Journal) LinkProposal(study string, round uint64, id string, trial uint64) error {
	return j.update(func(tx *bolt.Tx) error { return linkProposal(tx, study, round, id, trial) })
}

// linkProposal is LinkProposal in tx.
func linkProposal(tx *bolt.Tx, study string, round uint64, id string, trial uint64) error {
	nb, err := studyNested(tx, study, bucketRounds)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("study %q round %d", study, round)
	data := nb.Get(seqKey(round))
	if data == nil {
		return fmt.Errorf("%s: no such round: %w", what, ErrInvalidRecord)
	}
	var r roundRecord
	if err := decodeRecord(what, data, &r); err != nil {
		return err
	}
	found := false
	for i := range r.Accepted {
		if r.Accepted[i].ID == id {
			r.Accepted[i].TrialID, found = trial, true
		}
	}
	if !found {
		return fmt.Errorf("%s: no accepted proposal %q: %w", what, id, ErrInvalidRecord)
	}
	r.versioned = current()
	out, err := encodeRecord(what, r)
	if err != nil {
		return err
	}
	return nb.Put(seqKey(round), out)
}
