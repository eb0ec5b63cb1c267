// Package planner holds the study's planners, one file each, as Optuna
// keeps its samplers: builtin (warm start, feature moves read from the
// profile, TPE over the model's parameters), random (the baseline), and
// llm (an OpenAI-compatible model proposing hypotheses, feature sets and
// model choices, whose numbers TPE then tunes). Every planner implements
// plan.Planner; NewPlanner builds one from the study's stored Config.
//
// A planner never runs a trial and never reads the holdout: what it knows
// comes from the plan.History the study hands it.
package planner
