package journal

import (
	"fmt"
	bolt "go.etcd.io/bbolt"
	"time"
)

// EventKind names what happened to a study.
type EventKind string

// Event kinds the engine writes. Other lower-case kinds are accepted, so a
// new kind needs no journal change.
const (
	EventStart           EventKind = "start"
	EventResume          EventKind = "resume"
	EventInterrupt       EventKind = "interrupt"
	EventBudgetExhausted EventKind = "budget_exhausted"
	EventFallback        EventKind = "fallback"
	EventError           EventKind = "error"
	EventFinish          EventKind = "finish"
)

// DetailFailure is the detail of a failed study's end event that says why
// it failed ("every trial failed: 3 × timed out after 1ns").
const DetailFailure = "failure"

// Event is one thing that happened to a study, in the order it happened.
type Event struct {
	ID      uint64 // 1, 2, … in the study; assigned by AddEvent
	Kind    EventKind
	Time    time.Time
	Message string
	Details map[string]string
}

type eventRecord struct {
	versioned
	ID      uint64            `json:"id"`
	Kind    EventKind         `json:"kind"`
	Time    time.Time         `json:"time"`
	Message string            `json:"message,omitempty"`
	Details map[string]string `json:"details,omitempty"`
}

func validKind(k EventKind) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r == '_') {
			return false
		}
	}
	return true
}

// AddEvent appends an event to the study in its own transaction and returns
// its ID. Kind must be 1 to 64 characters from [a-z_]; a zero Time is
// stamped with the journal's clock.
func (j *Journal) AddEvent(study string, e Event) (uint64, error) {
	e, err := j.checkEvent(study, e)
	if err != nil {
		return 0, err
	}
	err = j.appendRecord(study, bucketEvents, eventBuilder(&e))
	return e.ID, err
}

// checkEvent refuses an event of a malformed kind and stamps a zero Time.
func (j *Journal) checkEvent(study string, e Event) (Event, error) {
	if !validKind(e.Kind) {
		return e, fmt.Errorf("study %q event: kind %q, want 1 to 64 characters from a-z and _ (e.g. %s): %w", study, e.Kind, EventStart, ErrInvalidRecord)
	}
	if e.Time.IsZero() {
		e.Time = j.opts.Now().UTC()
	}
	return e, nil
}

// eventBuilder is the record of *e under the ID appendTx gives it, which
// it also sets in *e.
func eventBuilder(e *Event) func(id uint64) any {
	return func(id uint64) any {
		e.ID = id
		return eventRecord{versioned: current(), ID: id, Kind: e.Kind, Time: e.Time, Message: e.Message, Details: e.Details}
	}
}

// ListEvents returns the study's events in order.
func (j *Journal) ListEvents(study string) ([]Event, error) {
	var out []Event
	err := j.view(func(tx *bolt.Tx) (err error) {
		out, err = eventsIn(tx, study)
		return err
	})
	return out, err
}

func eventsIn(tx *bolt.Tx, study string) ([]Event, error) {
	var out []Event
	err := scan(tx, study, bucketEvents, "event", func() record { return new(eventRecord) }, func(v record) {
		r := v.(*eventRecord)
		out = append(out, Event{ID: r.ID, Kind: r.Kind, Time: r.Time, Message: r.Message, Details: r.Details})
	})
	return out, err
}
