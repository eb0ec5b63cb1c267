package planner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nightshift-ml/nightshift/experiment/plan"
)

// replySchema is the reply's JSON schema for structured outputs, written
// by hand because strict mode wants every key required and
// additionalProperties false at every level — so fixed parameters are a
// list of {name, value}, not a free map — and go-openai's generator
// rejects maps. Values are strings: numbers and choices alike, parsed by
// the model's own parameter parser.
func replySchema() json.RawMessage {
	var names []string
	for _, m := range []string{plan.ModelGBDT, plan.ModelLogreg} {
		for _, d := range plan.SpaceFor(m) {
			if !slices.Contains(names, d.Name) {
				names = append(names, d.Name)
			}
		}
	}
	strs := map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
	obj := func(props map[string]any) map[string]any {
		req := make([]string, 0, len(props))
		for k := range props {
			req = append(req, k)
		}
		slices.Sort(req)
		return map[string]any{"type": "object", "additionalProperties": false, "required": req, "properties": props}
	}
	proposal := obj(map[string]any{
		"hypothesis":   map[string]any{"type": "string", "description": "what you expect to change and why, in one or two sentences"},
		"parent_trial": map[string]any{"type": []string{"integer", "null"}, "description": "the trial this proposal changes; null for the base columns"},
		"features":     obj(map[string]any{"add": strs, "drop": strs}),
		"model":        map[string]any{"type": "string", "enum": []string{plan.ModelGBDT, plan.ModelLogreg}},
		"tune":         map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": names}},
		"params": map[string]any{"type": "array", "items": obj(map[string]any{
			"name": map[string]any{"type": "string"}, "value": map[string]any{"type": "string"}})},
	})
	root := obj(map[string]any{"proposals": map[string]any{"type": "array", "items": proposal}})
	b, _ := json.Marshal(root) // maps of strings and slices cannot fail
	return b
}

// rawSchema is a json.Marshaler for go-openai's JSONSchema field.
type rawSchema json.RawMessage

func (r rawSchema) MarshalJSON() ([]byte, error) { return r, nil }

// llmReply is the reply's shape.
type llmReply struct {
	Proposals []llmProposal `json:"proposals"`
}

type llmProposal struct {
	Hypothesis string  `json:"hypothesis"`
	Parent     *uint64 `json:"parent_trial"`
	Features   struct {
		Add  []string `json:"add"`
		Drop []string `json:"drop"`
	} `json:"features"`
	Model  string     `json:"model"`
	Tune   []string   `json:"tune"`
	Params []llmParam `json:"params"`
}

// llmParam takes its value as a JSON string or number: JSON mode and free
// text do not hold a model to the schema's strings.
type llmParam struct {
	Name  string    `json:"name"`
	Value flexValue `json:"value"`
}

type flexValue string

func (v *flexValue) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*v = flexValue(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*v = flexValue(n.String())
		return nil
	}
	var x bool
	if err := json.Unmarshal(b, &x); err == nil {
		*v = flexValue(strconv.FormatBool(x))
		return nil
	}
	return fmt.Errorf("value %s: want a string or a number", b)
}

// parseReply reads the proposals from a reply: the whole text as JSON
// first, then the first balanced JSON object in it (models without
// structured outputs wrap JSON in prose or code fences). A bare list of
// proposals is accepted too.
func parseReply(text string) ([]llmProposal, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, fmt.Errorf("the reply is empty")
	}
	try := func(s string) ([]llmProposal, error) {
		dec := json.NewDecoder(strings.NewReader(s))
		if strings.HasPrefix(strings.TrimSpace(s), "[") {
			var list []llmProposal
			if err := dec.Decode(&list); err != nil {
				return nil, err
			}
			return list, nil
		}
		var r llmReply
		if err := dec.Decode(&r); err != nil {
			return nil, err
		}
		if r.Proposals == nil {
			return nil, fmt.Errorf(`no "proposals" key`)
		}
		return r.Proposals, nil
	}
	ps, err := try(text)
	if err == nil {
		return ps, nil
	}
	if obj, ok := firstJSONObject(text); ok {
		if ps, err2 := try(obj); err2 == nil {
			return ps, nil
		}
	}
	return nil, fmt.Errorf("the reply is not the JSON asked for: %v", err)
}

// firstJSONObject returns the first balanced {...} in text that is valid
// JSON, skipping braces inside JSON strings.
func firstJSONObject(text string) (string, bool) {
	for start := strings.IndexByte(text, '{'); start >= 0; {
		depth, inStr, esc := 0, false, false
		for i := start; i < len(text); i++ {
			c := text[i]
			switch {
			case esc:
				esc = false
			case inStr && c == '\\':
				esc = true
			case c == '"':
				inStr = !inStr
			case inStr:
			case c == '{':
				depth++
			case c == '}':
				depth--
				if depth == 0 {
					cand := text[start : i+1]
					if json.Valid([]byte(cand)) {
						return cand, true
					}
					i = len(text)
				}
			}
		}
		next := strings.IndexByte(text[start+1:], '{')
		if next < 0 {
			break
		}
		start += 1 + next
	}
	return "", false
}

// compactJSON renders v on one line for the journal and the prompt.
func compactJSON(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
	return bytes.TrimSpace(buf.Bytes())
}
