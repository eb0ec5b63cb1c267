package planner

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Config is the study's planner configuration, stored with the study so
// that resume continues with the same settings. It never holds an API key:
// only the name of the environment variable that does.
type Config struct {
	Name string     `json:"name"`          // builtin, random or llm
	LLM  *LLMConfig `json:"llm,omitempty"` // the llm planner's settings
}

// LLMConfig configures the llm planner (the --llm-* flags).
type LLMConfig struct {
	Model string `json:"model"`
	// BaseURL of an OpenAI-compatible endpoint (OpenAI, vLLM, Ollama,
	// llama.cpp's server, LiteLLM, Azure OpenAI); empty: OpenAI's.
	BaseURL string `json:"base_url,omitempty"`
	// APIType is openai (default), azure or azure_ad; APIVersion is
	// Azure's api-version.
	APIType    string `json:"api_type,omitempty"`
	APIVersion string `json:"api_version,omitempty"`
	// KeyEnv names the environment variable holding the API key
	// (OPENAI_API_KEY when empty). The key itself is never stored.
	KeyEnv string `json:"key_env,omitempty"`
	// TokenBudget is the study's total of prompt and reply tokens; 0 is
	// no limit. When it is spent, LLM calls stop and the built-in
	// planner goes on.
	TokenBudget int `json:"token_budget"`
	// MaxTokens bounds one reply; PromptTokens one request's prompt
	// (estimated; the prompt is compacted to fit).
	MaxTokens    int `json:"max_tokens"`
	PromptTokens int `json:"prompt_tokens"`
	// Temperature of the sampling; reasoning models (o1, o3, o4, gpt-5)
	// accept only their default, so it is not sent to them.
	Temperature float64 `json:"temperature"`
	// TimeoutSeconds bounds one HTTP attempt.
	TimeoutSeconds float64 `json:"timeout_seconds"`
	// Proposals is how many proposals one call asks for.
	Proposals int `json:"proposals"`
	// TuneTrials is how many trials an accepted proposal gets in all:
	// its clean test, then TPE over the parameters it names.
	TuneTrials int `json:"tune_trials"`
}

// Defaults for the zero fields of an LLMConfig.
const (
	DefaultKeyEnv       = "OPENAI_API_KEY"
	defaultMaxTokens    = 2000
	defaultPromptTokens = 8000
	defaultTimeout      = 120 * time.Second
	defaultProposals    = 3
	defaultTuneTrials   = 8
)

// WithDefaults fills the zero fields.
func (c LLMConfig) WithDefaults() LLMConfig {
	if c.KeyEnv == "" {
		c.KeyEnv = DefaultKeyEnv
	}
	if c.APIType == "" {
		c.APIType = "openai"
	}
	if c.MaxTokens == 0 {
		c.MaxTokens = defaultMaxTokens
	}
	if c.PromptTokens == 0 {
		c.PromptTokens = defaultPromptTokens
	}
	if c.TimeoutSeconds == 0 {
		c.TimeoutSeconds = defaultTimeout.Seconds()
	}
	if c.Proposals == 0 {
		c.Proposals = defaultProposals
	}
	if c.TuneTrials == 0 {
		c.TuneTrials = defaultTuneTrials
	}
	return c
}

// Validate names the flag at fault.
func (c LLMConfig) Validate() error {
	switch {
	case strings.TrimSpace(c.Model) == "":
		return fmt.Errorf("--llm-model is required with --planner llm (for example gpt-4o-mini, or the model name your server loaded)")
	case c.APIType != "" && c.APIType != "openai" && c.APIType != "azure" && c.APIType != "azure_ad":
		return fmt.Errorf("--llm-api-type %q: want openai, azure or azure_ad", c.APIType)
	case (c.APIType == "azure" || c.APIType == "azure_ad") && (c.BaseURL == "" || c.APIVersion == ""):
		return fmt.Errorf("--llm-api-type %s needs --llm-base-url (https://NAME.openai.azure.com) and --llm-api-version", c.APIType)
	case c.TokenBudget < 0:
		return fmt.Errorf("--llm-token-budget %d: want >= 0 (0: no limit)", c.TokenBudget)
	case c.MaxTokens < 0 || c.MaxTokens > 200000:
		return fmt.Errorf("--llm-max-tokens %d: want 1..200000", c.MaxTokens)
	case c.PromptTokens < 0 || (c.PromptTokens > 0 && c.PromptTokens < 1000):
		return fmt.Errorf("--llm-prompt-tokens %d: want >= 1000 (the rules alone need that)", c.PromptTokens)
	case c.Temperature < 0 || c.Temperature > 2:
		return fmt.Errorf("--llm-temperature %v: want 0..2", c.Temperature)
	case c.TimeoutSeconds < 0:
		return fmt.Errorf("--llm-timeout %vs: want a positive duration", c.TimeoutSeconds)
	case c.Proposals < 0 || c.Proposals > 20:
		return fmt.Errorf("--llm-proposals %d: want 1..20", c.Proposals)
	case c.TuneTrials < 0 || c.TuneTrials > 200:
		return fmt.Errorf("--llm-tune-trials %d: want 1..200", c.TuneTrials)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--llm-base-url %q: want an http(s) URL such as http://localhost:11434/v1", c.BaseURL)
		}
	}
	return nil
}
