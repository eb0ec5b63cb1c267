package dsl

import (
	"math"
	"time"
)

// maxUnix bounds timestamps the calendar ops accept (about year 5138).
const maxUnix = 1e11

// secondOfDay and dayNumber split Unix seconds in integer arithmetic
// (math.Mod is several times slower on the hot path).
func secondOfDay(t float64) (sec, day int64) {
	s := int64(math.Floor(t))
	day = s / 86400
	sec = s % 86400
	if sec < 0 {
		sec += 86400
		day--
	}
	return sec, day
}

func hourOf(t float64) float64 {
	if math.Abs(t) > maxUnix {
		return math.NaN()
	}
	s, _ := secondOfDay(t)
	return float64(s / 3600)
}

// weekdayOf: 1970-01-01 was a Thursday (4, with Sunday = 0).
func weekdayOf(t float64) float64 {
	if math.Abs(t) > maxUnix {
		return math.NaN()
	}
	_, d := secondOfDay(t)
	w := (d + 4) % 7
	if w < 0 {
		w += 7
	}
	return float64(w)
}

type timeT = time.Time

func calendar(f func(time.Time) int) func(float64) float64 {
	return func(t float64) float64 {
		if math.Abs(t) > maxUnix {
			return math.NaN()
		}
		return float64(f(time.Unix(int64(math.Floor(t)), 0).UTC()))
	}
}

func identity(x float64) float64 { return x }
