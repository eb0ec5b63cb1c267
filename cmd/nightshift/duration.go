package main

import (
	"flag"
	"fmt"
	"time"
)

// durationForms is what every duration flag accepts, said in each of its
// errors.
const durationForms = "written as a number and a unit (ms, s, m or h), several in a row if you like: 90s, 10m, 1h30m, 8h"

// durationFlag is a time.Duration flag that refuses negative values, and
// zero unless zeroOK (a zero budget or trial timeout would silently mean
// "the default" or "no time at all"); its errors list the accepted forms.
type durationFlag struct {
	d      *time.Duration
	zeroOK bool
}

func (f durationFlag) String() string {
	if f.d == nil || *f.d == 0 {
		return "" // so that -h shows no "(default 0s)" for a flag whose default is "not given"
	}
	return f.d.String()
}

func (f durationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a duration: want one %s", s, durationForms)
	case d < 0:
		if f.zeroOK {
			return fmt.Errorf("%s is negative: want a duration of zero or more, %s", s, durationForms)
		}
		return fmt.Errorf("%s is negative: want a duration above zero, %s", s, durationForms)
	case d == 0 && !f.zeroOK:
		return fmt.Errorf("%s is zero: want a duration above zero (leave the flag out for its default), %s", s, durationForms)
	}
	*f.d = d
	return nil
}

// durationVar defines a duration flag (see durationFlag).
func durationVar(fs *flag.FlagSet, p *time.Duration, name string, value time.Duration, zeroOK bool, usage string) {
	*p = value
	fs.Var(durationFlag{d: p, zeroOK: zeroOK}, name, usage)
}
