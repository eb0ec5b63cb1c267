package planner

// Config is the study's planner configuration, stored with the study so
// that resume continues with the same settings. It never holds an API key.
type Config struct {
	Name string `json:"name"` // builtin, random or llm
}
