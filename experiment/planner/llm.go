package planner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/nightshift-ml/nightshift/experiment/plan"
	"github.com/nightshift-ml/nightshift/features/dsl"
	"github.com/nightshift-ml/nightshift/journal"
)

// Structured-output paths, tried in this order: strict json_schema, then
// JSON mode when the endpoint refuses the schema, then free text from
// which the first JSON object is read.
const (
	PathSchema = "json_schema"
	PathJSON   = "json_object"
	PathText   = "text"
)

// Circuit breaker: after circuitFailures failed calls in a row the planner
// stops calling for circuitRounds study rounds (the built-in planner
// proposes them), then tries once more.
const (
	circuitFailures = 3
	circuitRounds   = 6
)

// repairMarker separates a round's reply from its repair turn in the
// journal's Reply field, so a replayed round is parsed like a live one.
const repairMarker = "\n\n=== repair turn reply ===\n"

// ErrCircuitOpen, ErrBudgetSpent: the LLM is not called this round.
var (
	ErrCircuitOpen = errors.New("circuit breaker open after repeated LLM failures")
	ErrBudgetSpent = errors.New("the study's LLM token budget is spent")
)

// llmPlanner asks an OpenAI-compatible model for hypotheses: feature sets
// and model choices against a parent trial. Each accepted proposal is run
// first as a clean test (the parent's parameters, the proposal's features
// and model), then tuned by TPE over the parameters it names. Its memory
// between calls is the circuit breaker and the structured-output path
// that works; everything else comes from the History.
type llmPlanner struct {
	cfg       LLMConfig
	key       string
	client    *openai.Client
	transport *retryTransport
	replies   map[string]string
	inFlight  map[string]bool
	sending   func(hash string) error

	mu         sync.Mutex
	path       string
	failures   int
	openUntil  int  // History.Round before which the circuit stays open
	budgetSeen bool // the budget note was given
}

func newLLM(cfg LLMConfig, env Env) (*llmPlanner, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	getenv := env.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	key := getenv(cfg.KeyEnv)
	if key == "" && cfg.BaseURL == "" {
		return nil, fmt.Errorf("--planner llm against OpenAI needs an API key in $%s (or name another variable with --llm-key-env); for a local server give --llm-base-url", cfg.KeyEnv)
	}
	var cc openai.ClientConfig
	switch cfg.APIType {
	case "azure", "azure_ad":
		cc = openai.DefaultAzureConfig(key, cfg.BaseURL)
		cc.APIVersion = cfg.APIVersion
		if cfg.APIType == "azure_ad" {
			cc.APIType = openai.APITypeAzureAD
		}
	default:
		cc = openai.DefaultConfig(key)
		if cfg.BaseURL != "" {
			cc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
		}
	}
	base := env.RetryBase
	if base <= 0 {
		base = time.Second
	}
	tr := &retryTransport{next: http.DefaultTransport, timeout: time.Duration(cfg.TimeoutSeconds * float64(time.Second)),
		attempts: 4, base: base, maxWait: 60 * time.Second, seed: 1}
	cc.HTTPClient = &http.Client{Transport: tr}
	path := PathSchema
	if env.Path == PathJSON || env.Path == PathText {
		path = env.Path
	}
	return &llmPlanner{cfg: cfg, key: key, client: openai.NewClientWithConfig(cc), transport: tr, replies: env.Replies, path: path,
		inFlight: env.InFlight, sending: env.Sending}, nil
}

func (*llmPlanner) Name() string { return "llm" }

// Propose fills the round first with the tuning trials of proposals whose
// clean test finished, then asks the model for new hypotheses.
func (p *llmPlanner) Propose(ctx context.Context, h *plan.History, n int) (plan.Result, error) {
	tuning := p.tuning(h, n)
	res := plan.Result{Proposals: tuning}
	want := min(n-len(tuning), p.cfg.Proposals)
	if want <= 0 {
		res.Prompt = fmt.Sprintf("llm: %d tuning trials of earlier proposals (TPE); no call", len(tuning))
		return res, nil
	}
	p.mu.Lock()
	if p.cfg.TokenBudget > 0 && h.TokensSpent >= p.cfg.TokenBudget {
		if !p.budgetSeen {
			res.Notes = append(res.Notes, fmt.Sprintf("token budget spent (%d of %d tokens): no more LLM calls this study", h.TokensSpent, p.cfg.TokenBudget))
			p.budgetSeen = true
		}
		p.mu.Unlock()
		return p.orTuning(res, ErrBudgetSpent)
	}
	if h.Round < p.openUntil {
		p.mu.Unlock()
		return p.orTuning(res, fmt.Errorf("%w: the LLM is tried again at round %d", ErrCircuitOpen, p.openUntil))
	}
	p.mu.Unlock()

	got, err := p.ask(ctx, h, want)
	got.Proposals = append(tuning, got.Proposals...)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil || len(got.Proposals) == len(tuning) {
		p.failures++
		if p.failures >= circuitFailures {
			p.openUntil = h.Round + circuitRounds
			got.Notes = append(got.Notes, fmt.Sprintf("circuit breaker opened after %d failed LLM rounds in a row: the built-in planner proposes until round %d, then the LLM is tried again", p.failures, p.openUntil))
			p.failures = 0
		}
	} else {
		p.failures = 0
	}
	if err != nil && len(tuning) > 0 {
		// The tuning trials go ahead; the call's error stays journaled.
		got.Prompt = "llm: call failed: " + redact(err.Error(), p.key) + "\n" + got.Prompt
		return got, nil
	}
	return got, err
}

// orTuning ends a round without a call: the tuning trials when there are
// any, else the error (the study then falls back to the built-in planner).
func (p *llmPlanner) orTuning(res plan.Result, err error) (plan.Result, error) {
	if len(res.Proposals) > 0 {
		res.Prompt = fmt.Sprintf("llm: %d tuning trials; no call: %v", len(res.Proposals), err)
		return res, nil
	}
	res.Prompt = "llm: no call: " + err.Error()
	return res, err
}

// ask makes one call (and at most one repair turn) for up to n proposals.
func (p *llmPlanner) ask(ctx context.Context, h *plan.History, n int) (plan.Result, error) {
	pr := BuildPrompt(h, n, p.cfg.PromptTokens)
	msgs := []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleSystem, Content: pr.System}, {Role: openai.ChatMessageRoleUser, Content: pr.User}}
	res := plan.Result{Prompt: pr.Text()}
	p.mu.Lock()
	path := p.path
	p.mu.Unlock()

	var reply, repairReply string
	var finish openai.FinishReason
	req := p.request(msgs, path)
	res.RequestHash = requestHash(req)
	if journaled, ok := p.replies[res.RequestHash]; ok {
		res.Replayed, res.Path, res.Reply = true, path, journaled
		reply, repairReply, _ = strings.Cut(journaled, repairMarker)
	} else {
		start := time.Now()
		var err error
		reply, finish, path, err = p.callWithFallback(ctx, &res, msgs, path)
		res.Latency = time.Since(start)
		res.Reply, res.Path = reply, path
		if err != nil {
			return res, err
		}
		res.RequestHash = requestHash(p.request(msgs, path))
	}
	props, rejected, invalid, err := p.read(h, reply, finish)
	if err != nil {
		return res, err
	}
	res.Proposals, res.Rejected = props, rejected
	if len(invalid) == 0 {
		return res, nil
	}
	// One repair turn: the invalid proposals go back with the exact error
	// text; what is still invalid after it is rejected.
	// Every invalid proposal is journaled with its reason, whatever the
	// repair turn makes of it: the next prompts learn from the reasons.
	res.Rejected = append(res.Rejected, rejectAll(invalid, "sent back in the repair turn")...)
	repair := repairText(invalid)
	msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: reply},
		openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: repair})
	res.Repaired = true
	res.Prompt += "\n=== repair turn ===\n" + repair
	if !res.Replayed {
		start := time.Now()
		var err error
		repairReply, finish, err = p.callFinish(ctx, &res, p.request(msgs, path))
		res.Latency += time.Since(start)
		res.Reply += repairMarker + repairReply
		if err != nil {
			res.Prompt += "\n=== repair turn failed ===\n" + err.Error()
			return res, nil
		}
	}
	fixed, rejected2, invalid2, err := p.read(h, repairReply, finish)
	if err != nil {
		res.Prompt += "\n=== repair reply unusable ===\n" + err.Error()
		return res, nil
	}
	res.Proposals = append(res.Proposals, fixed...)
	res.Rejected = append(res.Rejected, rejected2...)
	for _, iv := range invalid2 {
		res.Rejected = append(res.Rejected, plan.Rejection{Spec: iv.raw, Hypothesis: iv.hypothesis, Reason: iv.reason + " (still invalid after the repair turn)"})
	}
	if len(res.Proposals) > n {
		res.Proposals = res.Proposals[:n]
	}
	return res, nil
}

// request builds the chat request for a path. Reasoning models (o1, o3,
// o4, gpt-5) take max_completion_tokens and only their default
// temperature, so neither max_tokens nor a temperature is sent to them;
// go-openai omits a zero temperature, so 0 is sent as the smallest
// positive float32 (greedy decoding in effect).
func (p *llmPlanner) request(msgs []openai.ChatCompletionMessage, path string) openai.ChatCompletionRequest {
	req := openai.ChatCompletionRequest{Model: p.cfg.Model, Messages: msgs}
	if reasoningModel(p.cfg.Model) {
		req.MaxCompletionTokens = p.cfg.MaxTokens
	} else {
		//lint:ignore SA1019 max_tokens is what vLLM, llama.cpp's server and Ollama read; max_completion_tokens is newer than several of them
		req.MaxTokens = p.cfg.MaxTokens
		req.Temperature = float32(p.cfg.Temperature)
		if req.Temperature == 0 {
			req.Temperature = math.SmallestNonzeroFloat32
		}
	}
	switch path {
	case PathSchema:
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: "nightshift_proposals", Schema: rawSchema(replySchema()), Strict: true}}
	case PathJSON:
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	}
	return req
}

func reasoningModel(model string) bool {
	for _, p := range []string{"o1", "o3", "o4", "gpt-5"} {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	return false
}

// requestHash is a request's identity: the SHA-256 of its JSON (model,
// messages, response format with the schema, sampling parameters).
func requestHash(req openai.ChatCompletionRequest) string {
	b, _ := json.Marshal(req)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// callWithFallback sends the request on path, stepping down to JSON mode
// and then to free text when the endpoint refuses the response format
// (HTTP 400); the path that worked is kept for later calls.
func (p *llmPlanner) callWithFallback(ctx context.Context, res *plan.Result, msgs []openai.ChatCompletionMessage, path string) (string, openai.FinishReason, string, error) {
	for {
		req := p.request(msgs, path)
		hash := requestHash(req)
		if p.inFlight[hash] {
			res.Notes = append(res.Notes, fmt.Sprintf("request %.12s was in flight when the study stopped and is sent once more", hash))
		}
		if p.sending != nil {
			if err := p.sending(hash); err != nil {
				return "", "", path, err
			}
		}
		reply, finish, err := p.callFinish(ctx, res, req)
		var apiErr *openai.APIError
		if err != nil && errors.As(err, &apiErr) && apiErr.HTTPStatusCode == http.StatusBadRequest && path != PathText {
			next := PathJSON
			if path == PathJSON {
				next = PathText
			}
			res.Notes = append(res.Notes, fmt.Sprintf("the endpoint refused response_format %s (%s): falling back to %s", path, clip(redact(apiErr.Message, p.key), 200), next))
			path = next
			p.mu.Lock()
			p.path = path
			p.mu.Unlock()
			continue
		}
		return reply, finish, path, err
	}
}

// callFinish sends one request (the transport retries it) and returns the
// reply text. Usage is counted even when the reply is then refused.
func (p *llmPlanner) callFinish(ctx context.Context, res *plan.Result, req openai.ChatCompletionRequest) (string, openai.FinishReason, error) {
	p.transport.made.Store(0)
	resp, err := p.client.CreateChatCompletion(ctx, req)
	res.Attempts += int(p.transport.made.Load())
	if err != nil {
		return "", "", redactedError{text: redact(err.Error(), p.key), cause: err}
	}
	res.TokensIn += resp.Usage.PromptTokens
	res.TokensOut += resp.Usage.CompletionTokens
	if len(resp.Choices) == 0 {
		return "", "", fmt.Errorf("the endpoint answered with no choices")
	}
	c := resp.Choices[0]
	if c.Message.Refusal != "" {
		return c.Message.Refusal, c.FinishReason, fmt.Errorf("the model refused: %s", clip(c.Message.Refusal, 300))
	}
	if c.FinishReason == openai.FinishReasonContentFilter {
		return c.Message.Content, c.FinishReason, fmt.Errorf("the reply was withheld by the endpoint's content filter")
	}
	return c.Message.Content, c.FinishReason, nil
}

// redactedError is an endpoint error whose text has the key and anything
// key-like removed; the cause stays reachable for errors.As (the status
// code of an *openai.APIError), never for printing.
type redactedError struct {
	text  string
	cause error
}

func (e redactedError) Error() string { return e.text }
func (e redactedError) Unwrap() error { return e.cause }

// invalidProposal is a proposal that failed its checks.
type invalidProposal struct {
	index      int
	raw        json.RawMessage
	hypothesis string
	reason     string
}

// read parses a reply and checks each proposal. A reply that cannot be
// read at all is an error (the round is rejected); proposals that fail
// their checks come back as invalid (repairable); duplicates are rejected
// at once (a repair cannot make a spec new).
func (p *llmPlanner) read(h *plan.History, reply string, finish openai.FinishReason) ([]plan.Proposal, []plan.Rejection, []invalidProposal, error) {
	lps, err := parseReply(reply)
	if err != nil {
		if finish == openai.FinishReasonLength {
			return nil, nil, nil, fmt.Errorf("the reply was cut at --llm-max-tokens %d and is not complete JSON: %w", p.cfg.MaxTokens, err)
		}
		return nil, nil, nil, err
	}
	var props []plan.Proposal
	var rejected []plan.Rejection
	var invalid []invalidProposal
	for i, lp := range lps {
		raw := compactJSON(lp)
		prop, reason := toProposal(h, lp)
		switch {
		case reason == "":
			props = append(props, prop)
		case strings.HasPrefix(reason, "duplicate"):
			rejected = append(rejected, plan.Rejection{Spec: raw, Hypothesis: lp.Hypothesis, Reason: reason})
		default:
			invalid = append(invalid, invalidProposal{index: i, raw: raw, hypothesis: lp.Hypothesis, reason: reason})
		}
	}
	return props, rejected, invalid, nil
}

func repairText(invalid []invalidProposal) string {
	var b strings.Builder
	b.WriteString("Some proposals are invalid. Here is each with the exact error; reply with corrected versions of these proposals only, as {\"proposals\": [...]} (leave out any you cannot fix):\n")
	for _, iv := range invalid {
		fmt.Fprintf(&b, "- proposal %d: %s\n  error: %s\n", iv.index+1, iv.raw, iv.reason)
	}
	return b.String()
}

func rejectAll(invalid []invalidProposal, why string) []plan.Rejection {
	out := make([]plan.Rejection, len(invalid))
	for i, iv := range invalid {
		out[i] = plan.Rejection{Spec: iv.raw, Hypothesis: iv.hypothesis, Reason: iv.reason + "; " + why}
	}
	return out
}

// toProposal turns a reply's proposal into a spec: the parent's features
// plus add minus drop, the parent's parameters (the model kind's defaults
// when the kind changes, or for the base columns) with the pinned ones
// over them; then the study's own checks. The reason is "" when valid.
func toProposal(h *plan.History, lp llmProposal) (plan.Proposal, string) {
	if lp.Model != plan.ModelGBDT && lp.Model != plan.ModelLogreg {
		return plan.Proposal{}, fmt.Sprintf("model %q: want %s or %s", lp.Model, plan.ModelGBDT, plan.ModelLogreg)
	}
	hyp := strings.TrimSpace(lp.Hypothesis)
	if hyp == "" {
		return plan.Proposal{}, "hypothesis: empty; say what the proposal should change and why"
	}
	var parent plan.HistoryTrial
	params := plan.DefaultsFor(lp.Model)
	if lp.Parent != nil && *lp.Parent != 0 {
		t, ok := h.Trial(*lp.Parent)
		switch {
		case !ok:
			return plan.Proposal{}, fmt.Sprintf("parent_trial %d: no such trial", *lp.Parent)
		case t.State != journal.TrialDone && t.State != journal.TrialRunning:
			return plan.Proposal{}, fmt.Sprintf("parent_trial %d: the trial is %s; choose a finished (or running) trial", t.ID, t.State)
		}
		parent = t
		if t.Spec.Model == lp.Model {
			params = t.Spec.Params
		}
	}
	feats, reason := combineFeatures(parent.Spec.Features, lp.Features.Add, lp.Features.Drop)
	if reason != "" {
		return plan.Proposal{}, reason
	}
	params = maps.Clone(params)
	space := plan.SpaceFor(lp.Model)
	for _, kv := range lp.Params {
		name, value := strings.TrimSpace(kv.Name), strings.TrimSpace(string(kv.Value))
		if i := slices.IndexFunc(space, func(d plan.Dim) bool { return d.Name == name }); i >= 0 {
			if why := inRange(space[i], value); why != "" {
				return plan.Proposal{}, fmt.Sprintf("params: %s=%s %s", name, value, why)
			}
		}
		params[name] = value
	}
	params = plan.TidyParams(lp.Model, params)
	var tune []string
	for _, name := range lp.Tune {
		if !slices.ContainsFunc(space, func(d plan.Dim) bool { return d.Name == name }) {
			return plan.Proposal{}, fmt.Sprintf("tune: %q is not a searched %s parameter (%s)", name, lp.Model, dimNames(space))
		}
		if !slices.Contains(tune, name) {
			tune = append(tune, name)
		}
	}
	spec, reason := h.Accept(plan.TrialSpec{Model: lp.Model, Features: feats, Params: params, Seed: h.Seed})
	if reason != "" {
		if h.Profile != nil && strings.Contains(reason, fmt.Sprintf("unknown column %q", h.Profile.Target)) {
			reason += fmt.Sprintf(" — %q is the target column: no feature may read the label (target_mean(col) encodes a categorical by it out-of-fold)", h.Profile.Target)
		}
		return plan.Proposal{}, reason
	}
	return plan.Proposal{Spec: spec, Hypothesis: clip(hyp, 1000), Parent: parent.ID, Tune: tune}, ""
}

func dimNames(ds []plan.Dim) string {
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.Name
	}
	return strings.Join(names, ", ")
}

// inRange checks a pinned value against the searched range, or 0 where
// the parameter takes it (plan.Dim.ZeroOK).
func inRange(d plan.Dim, v string) string {
	if len(d.Choices) > 0 {
		if !slices.Contains(d.Choices, v) {
			return "is not one of " + strings.Join(d.Choices, ", ")
		}
		return ""
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return "is not a number"
	}
	if x == 0 && d.ZeroOK {
		return ""
	}
	if x < d.Lo || x > d.Hi || math.IsNaN(x) {
		if d.ZeroOK {
			return fmt.Sprintf("is outside the range [%g, %g] (or 0)", d.Lo, d.Hi)
		}
		return fmt.Sprintf("is outside the range [%g, %g]", d.Lo, d.Hi)
	}
	return ""
}

// combineFeatures applies a proposal's add and drop lists to its parent's
// feature set: a drop item equal (canonically) to one of the parent's
// items removes it; any other drop names a column, dropped with drop(col).
func combineFeatures(parent string, add, drop []string) (string, string) {
	var items []string
	if strings.TrimSpace(parent) != "" {
		fs, err := dsl.Parse(parent)
		if err != nil {
			return "", fmt.Sprintf("parent features: %v", err)
		}
		for _, it := range fs.Items {
			items = append(items, it.Canonical())
		}
	}
	for _, d := range drop {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		canon := d
		if fs, err := dsl.Parse(d); err == nil && len(fs.Items) == 1 {
			canon = fs.Items[0].Canonical()
		}
		if i := slices.Index(items, canon); i >= 0 {
			items = slices.Delete(items, i, i+1)
			continue
		}
		if strings.HasPrefix(d, "drop(") {
			items = append(items, d)
		} else {
			items = append(items, "drop("+plan.QuoteColumn(strings.Trim(d, "`"))+")")
		}
	}
	for _, a := range add {
		if a = strings.TrimSpace(a); a != "" {
			if strings.ContainsAny(a, "\n;") {
				return "", fmt.Sprintf("features.add item %q: one item per list entry (no ';' or new lines)", clip(a, 120))
			}
			items = append(items, a)
		}
	}
	return strings.Join(items, "; "), ""
}

// tuning proposes the next trials of proposals whose clean test finished:
// TPE over the parameters each names, every other parameter as in its
// clean trial, learning from the proposal's own trials and, while it has
// fewer than tpeStartup of them, from the same model kind's.
func (p *llmPlanner) tuning(h *plan.History, n int) []plan.Proposal {
	ids := make([]string, 0, len(h.Proposals))
	for id, pr := range h.Proposals {
		if pr.Of == "" && len(pr.Tune) > 0 {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, compareProposalIDs)
	rng := roundRNG(h)
	var out []plan.Proposal
	for _, id := range ids {
		pr := h.Proposals[id]
		clean, ok := cleanTrial(h, id, pr)
		if !ok || clean.State != journal.TrialDone {
			continue
		}
		count := 0
		var own []observation
		for _, t := range h.Trials {
			if t.Proposal == id {
				count++
				if o, ok := observe(h, t); ok {
					own = append(own, o)
				}
			}
		}
		for _, q := range out {
			if q.Of == id {
				count++
			}
		}
		obs := own
		if len(own) < tpeStartup {
			obs = append(slices.Clone(own), observations(h, pr.Spec.Model)...)
		}
		var dims []plan.Dim
		for _, d := range plan.SpaceFor(pr.Spec.Model) {
			if slices.Contains(pr.Tune, d.Name) {
				dims = append(dims, d)
			}
		}
		for tries := 0; count < p.cfg.TuneTrials && len(out) < n && tries < 20; tries++ {
			params := tpeSampleDims(pr.Spec.Model, dims, clean.Spec.Params, obs, rng)
			spec, reason := h.Accept(plan.TrialSpec{Model: clean.Spec.Model, Features: clean.Spec.Features, Params: params, Seed: clean.Spec.Seed})
			if reason != "" {
				continue
			}
			out = append(out, plan.Proposal{Spec: spec, Of: id, Parent: clean.ID,
				Hypothesis: fmt.Sprintf("tuning %s of proposal %s (TPE on %d observations) around its clean trial #%d", strings.Join(pr.Tune, ", "), id, len(obs), clean.ID)})
			count++
		}
		if len(out) >= n {
			break
		}
	}
	return out
}

// observe is one trial as a TPE observation (observations' ranking).
func observe(h *plan.History, t plan.HistoryTrial) (observation, bool) {
	if t.State != journal.TrialDone && t.State != journal.TrialPruned {
		return observation{}, false
	}
	switch {
	case len(t.FoldScores) > 0 && !math.IsNaN(t.Mean):
		return observation{params: t.Spec.Params, rung: len(t.FoldScores), score: h.Orient(t.Mean)}, true
	case t.Screen != nil && !math.IsNaN(*t.Screen):
		return observation{params: t.Spec.Params, score: h.Orient(*t.Screen)}, true
	}
	return observation{}, false
}

// compareProposalIDs orders "round.index" IDs numerically.
func compareProposalIDs(a, b string) int {
	ar, ai, _ := strings.Cut(a, ".")
	br, bi, _ := strings.Cut(b, ".")
	x, _ := strconv.Atoi(ar)
	y, _ := strconv.Atoi(br)
	if x != y {
		return x - y
	}
	x, _ = strconv.Atoi(ai)
	y, _ = strconv.Atoi(bi)
	return x - y
}
