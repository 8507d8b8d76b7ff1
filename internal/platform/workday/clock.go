package workday

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Clock defaults.
const (
	DefaultDueTime  = 23*time.Hour + 59*time.Minute + 59*time.Second // calendar.dueTime
	DefaultYellowWD = 2                                              // alert.yellowWD
)

// ErrClockInput is wrapped by every error Compute returns for inconsistent input (as opposed to
// ErrCalendarNotLoaded, which is about the calendar).
var ErrClockInput = errors.New("workday: bad clock input")

// Clock derives deadlines. It is the one deadline clock for cases, rectifications and tickets, and
// it keeps no state: Compute is a pure function of the calendar, the case history (start, limit,
// extension, suspensions) and today, so every change re-derives the deadline from the history
// rather than arming a timer. A Clock is a value; copy it freely.
type Clock struct {
	Cal *Calendar
	// DueTime is the time of day, in Shanghai, at which the due day ends; zero means
	// DefaultDueTime (23:59:59).
	DueTime time.Duration
	// YellowWD is the warning threshold: Yellow when at most this many working days are left
	// (0 = only on the due day itself; negative = never).
	YellowWD int
}

// NewClock returns a Clock on cal with the default due time and yellow threshold.
func NewClock(cal *Calendar) Clock {
	return Clock{Cal: cal, DueTime: DefaultDueTime, YellowWD: DefaultYellowWD}
}

// Suspension is a stop of the clock (特别程序, 行政许可法 art. 45: hearing, tender, auction, testing,
// appraisal, expert review). On From the clock keeps the working days still left, Between(From,
// due); on To it restarts and the due date becomes Add(To, left). The From day is thus counted as
// run and the To day is not, like an acceptance day; when both are workdays this is the same as
// not counting the workdays in [From, To). An open suspension (To zero) freezes the clock.
type Suspension struct {
	From Date
	To   Date // zero while the suspension is open
}

// Input is what a deadline depends on, taken from the case history.
type Input struct {
	Region string // region code of the handling organisation; "" national
	// Start is the acceptance (or receipt) date; input on a non-workday counts as received on the
	// next workday.
	Start Date
	// Limit is the time limit in working days, not counting the start day; 0 is an instant item,
	// due on the (effective) start day.
	Limit int
	// Extension is added to Limit (e.g. the one +10 wd of art. 42); it is not a suspension.
	Extension   int
	Suspensions []Suspension // in any order; they must not overlap and only the last may be open
}

// Level is the warning level of a running deadline.
type Level uint8

const (
	LevelNormal    Level = iota
	LevelYellow          // at most Clock.YellowWD working days left
	LevelRed             // past the due day: overdue
	LevelSuspended       // the clock is frozen by an open suspension
)

func (l Level) String() string {
	switch l {
	case LevelYellow:
		return "yellow"
	case LevelRed:
		return "red"
	case LevelSuspended:
		return "suspended"
	}
	return "normal"
}

// Due is a computed deadline.
type Due struct {
	Start Date      // the effective start: Input.Start, or the next workday after it
	Date  Date      // the due day; zero while frozen
	At    time.Time // the end of the due day in Shanghai (DueTime); zero while frozen
	// Remaining is the number of working days in (today, Date]: 0 on the due day, negative once
	// overdue (minus the working days since). While frozen it is the number held by the open
	// suspension.
	Remaining   int
	Level       Level
	Frozen      bool
	Provisional bool // a provisional (weekends-only) year was used: recompute when it is loaded
	// Ignored counts suspensions that began after the due date; the limit had run out, so they
	// did not move it.
	Ignored int
}

// Overdue reports whether the deadline had passed at the instant now.
func (d Due) Overdue(now time.Time) bool {
	return !d.Frozen && d.Date != 0 && now.After(d.At)
}

// Compute derives the deadline of in as seen on today. A zero today skips Remaining and Level.
// Every year touched (start to due, and today) must be loaded, or the error is
// ErrCalendarNotLoaded; inconsistent input wraps ErrClockInput.
func (c Clock) Compute(in Input, today Date) (Due, error) {
	var out Due
	if in.Start == 0 {
		return out, fmt.Errorf("%w: no start date", ErrClockInput)
	}
	if in.Limit < 0 || in.Extension < 0 {
		return out, fmt.Errorf("%w: negative limit %d or extension %d", ErrClockInput, in.Limit, in.Extension)
	}
	v := c.Cal.view(in.Region)
	prov := false
	note := func(p bool) { prov = prov || p }

	start := in.Start
	work, err := v.isWorkday(start)
	if err != nil {
		return out, err
	}
	if !work {
		s, p, err := v.add(start, 1)
		if err != nil {
			return out, err
		}
		start = s
		note(p)
	}
	out.Start = start
	due, p, err := v.add(start, in.Limit+in.Extension)
	if err != nil {
		return out, err
	}
	note(p)

	susp := in.Suspensions
	if !slices.IsSortedFunc(susp, bySuspFrom) {
		susp = slices.Clone(susp)
		slices.SortFunc(susp, bySuspFrom)
	}
	for i := range susp {
		if err := checkSuspension(susp, i, in.Start); err != nil {
			return out, err
		}
	}
	for _, s := range susp {
		if s.From > due {
			out.Ignored++
			continue
		}
		left, p, err := v.between(s.From, due)
		if err != nil {
			return out, err
		}
		note(p)
		if s.To == 0 {
			out.Frozen, out.Remaining, out.Level, out.Provisional = true, left, LevelSuspended, prov
			return out, nil
		}
		if due, p, err = v.add(s.To, left); err != nil {
			return out, err
		}
		note(p)
	}

	out.Date = due
	dt := c.DueTime
	if dt == 0 {
		dt = DefaultDueTime
	}
	out.At = due.Time(dt)
	if today != 0 {
		left, p, err := v.between(today, due)
		if err != nil {
			return out, err
		}
		note(p)
		out.Remaining = left
		switch {
		case today > due:
			out.Level = LevelRed
		case left <= c.YellowWD:
			out.Level = LevelYellow
		}
	}
	out.Provisional = prov
	return out, nil
}

func bySuspFrom(a, b Suspension) int { return int(a.From) - int(b.From) }

func checkSuspension(ss []Suspension, i int, start Date) error {
	s := ss[i]
	switch {
	case s.From == 0:
		return fmt.Errorf("%w: suspension without a start", ErrClockInput)
	case s.From < start:
		return fmt.Errorf("%w: suspension from %s is before the start %s", ErrClockInput, s.From, start)
	case s.To != 0 && s.To < s.From:
		return fmt.Errorf("%w: suspension ends %s before it begins %s", ErrClockInput, s.To, s.From)
	}
	if i > 0 {
		p := ss[i-1]
		if p.To == 0 {
			return fmt.Errorf("%w: suspension from %s follows the open one from %s", ErrClockInput, s.From, p.From)
		}
		if s.From < p.To {
			return fmt.Errorf("%w: suspension from %s overlaps the one ending %s", ErrClockInput, s.From, p.To)
		}
	}
	return nil
}

func (v *view) isWorkday(d Date) (bool, error) {
	if _, err := v.check(d, d); err != nil {
		return false, err
	}
	o := int(d - v.base)
	return v.words[o>>6]&(1<<(o&63)) != 0, nil
}
