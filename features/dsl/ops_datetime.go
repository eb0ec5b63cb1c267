package dsl

import (
	"math"
	"time"
)

// maxUnix bounds timestamps the calendar ops accept (about year 5138).
const maxUnix = 1e11

func floorMod(a, m float64) float64 {
	r := math.Mod(a, m)
	if r < 0 {
		r += m
	}
	return r
}

func hourOf(t float64) float64 { return math.Floor(floorMod(t, 86400) / 3600) }

// weekdayOf: 1970-01-01 was a Thursday (4, with Sunday = 0).
func weekdayOf(t float64) float64 { return floorMod(math.Floor(t/86400)+4, 7) }

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
