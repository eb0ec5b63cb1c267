package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nightshift-ml/nightshift/experiment/studyview"
	"github.com/nightshift-ml/nightshift/journal"
)

// replayServer answers chat completions with one fixed proposal list and
// records the SHA-256 of every request body; while hold is set it keeps
// every request after the first unanswered.
type replayServer struct {
	mu     sync.Mutex
	bodies []string
	hold   bool
	tokens int
}

func (s *replayServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	sum := sha256.Sum256(body)
	s.mu.Lock()
	s.bodies = append(s.bodies, hex.EncodeToString(sum[:]))
	n, hold := len(s.bodies), s.hold
	s.mu.Unlock()
	if hold && n > 1 {
		<-r.Context().Done()
		return
	}
	props := []map[string]any{
		{"hypothesis": fmt.Sprintf("text statistics, call %d", n), "parent_trial": nil, "model": "gbdt", "tune": []string{}, "params": []any{},
			"features": map[string]any{"add": []string{"length(text)", fmt.Sprintf("word_count(text) * %d", n)}, "drop": []string{}}},
		{"hypothesis": fmt.Sprintf("digits, call %d", n), "parent_trial": nil, "model": "logreg", "tune": []string{}, "params": []any{},
			"features": map[string]any{"add": []string{"count_digits(text)", fmt.Sprintf("count_upper(text) * %d", n)}, "drop": []string{}}},
	}
	content, _ := json.Marshal(map[string]any{"proposals": props})
	s.mu.Lock()
	s.tokens += 700 + 90
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion", "model": "m",
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": string(content)}}},
		"usage":   map[string]int{"prompt_tokens": 700, "completion_tokens": 90, "total_tokens": 790}})
}

// TestLLMReplyIsNeverRequestedTwice kills a study right after the LLM's
// first reply is journaled, resumes it, and checks that the endpoint never
// received that request again (the resumed study runs the journaled
// proposals instead), that the journaled request hash is the hash of the
// body the endpoint received, and that llm_tokens is the sum of the usage
// the endpoint sent. The API key appears in no output and not in the
// journal.
func TestLLMReplyIsNeverRequestedTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess test skipped in -short mode")
	}
	const key = "sk-replay-test-abcdefghijklmnop12345678"
	srv := &replayServer{hold: true}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	db := filepath.Join(t.TempDir(), "j.db")
	cmd := nightshiftCmd(t, "run", "--data", shipped+"sms_spam.csv", "--target", "is_spam", "--study", "replay", "--db", db,
		"--max-trials", "6", "--folds", "3", "--workers", "1", "--planner", "llm", "--llm-model", "m", "--llm-base-url", hs.URL+"/v1")
	cmd.Env = append(cmd.Env, "OPENAI_API_KEY="+key)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var first journal.Round
	deadline := time.Now().Add(60 * time.Second)
	for first.RequestHash == "" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		if j, err := studyview.OpenReadOnly(db); err == nil {
			if rounds, err := j.ListRounds("replay"); err == nil && len(rounds) > 0 {
				first = rounds[0]
			}
			j.Close()
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if first.RequestHash == "" {
		t.Fatalf("no round journaled within a minute:\n%s", out.String())
	}
	srv.mu.Lock()
	if srv.bodies[0] != first.RequestHash {
		t.Errorf("journaled request hash %s, the endpoint's body hash %s", first.RequestHash, srv.bodies[0])
	}
	srv.hold = false
	srv.mu.Unlock()

	res := nightshiftCmd(t, "resume", "--study", "replay", "--db", db)
	res.Env = append(res.Env, "OPENAI_API_KEY="+key)
	resumed, err := res.CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, resumed)
	}
	srv.mu.Lock()
	bodies := append([]string(nil), srv.bodies...)
	tokens := srv.tokens
	srv.mu.Unlock()
	for i, b := range bodies[1:] {
		if b == first.RequestHash {
			t.Errorf("request %d repeats the journaled first request", i+2)
		}
	}
	status, err := nightshiftCmd(t, "status", "--study", "replay", "--db", db, "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var st studyview.Status
	if err := json.Unmarshal(status, &st); err != nil {
		t.Fatalf("%v: %s", err, status)
	}
	// A request held at the kill got no answer, so no usage: the journal's
	// sum is what the endpoint sent.
	if st.LLMTokens != tokens || st.Trials.Done+st.Trials.Failed+st.Trials.Pruned != 6 {
		t.Errorf("status: %d tokens (endpoint sent %d), trials %+v", st.LLMTokens, tokens, st.Trials)
	}
	j, err := studyview.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	trials, _ := j.ListTrials("replay")
	j.Close()
	ran := map[string]bool{}
	for _, tr := range trials {
		ran[tr.SpecHash] = true
	}
	for _, p := range first.Accepted {
		if !ran[p.SpecHash] {
			t.Errorf("the journaled proposal %s (%s) never ran", p.ID, p.Hypothesis)
		}
	}
	raw, _ := os.ReadFile(db)
	for _, needle := range []string{key, key[len(key)-8:]} {
		if strings.Contains(out.String(), needle) || strings.Contains(string(resumed), needle) || strings.Contains(string(status), needle) || strings.Contains(string(raw), needle) {
			t.Errorf("%q appears in an output or the journal", needle)
		}
	}
	t.Logf("%d requests in all; first %s…", len(bodies), first.RequestHash[:12])
}
