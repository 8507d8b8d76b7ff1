package workday

import (
	"slices"
	"sync"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// BuiltinSource is the SourceDoc of the tables compiled into the binary.
const BuiltinSource = "github.com/6tail/lunar-go v1.4.7 HolidayUtil (国务院办公厅 holiday notices)"

// builtinScan is the range of years asked of lunar-go. Its data begins on 2001-12-29; the upper
// bound leaves room for a newer library version without a code change.
const builtinScanFirst, builtinScanLast = 1990, 2199

var builtin = sync.OnceValue(loadBuiltin)

// Builtin returns the national tables compiled into the binary, one per year, oldest first.
//
// lunar-go answers nil from GetHoliday both for an ordinary day and for a year it does not know,
// so the covered years are derived here: every entry carries the festival it belongs to (its
// target), and a table is built per target year; a year counts as covered only when at least one
// of its festivals lies in it. The 元旦 make-up days of December 2001 belong to 2002's table, so
// 2001 is not covered, while 2018-12-29 (make-up for 元旦 2019) lands in 2019's table and is
// applied to its own date by the Calendar. The result is a fresh copy on every call.
func Builtin() []YearTable {
	src := builtin()
	out := make([]YearTable, len(src))
	for i, t := range src {
		out[i] = t.Normalize()
	}
	return out
}

// BuiltinYears returns the years the compiled-in tables cover, ascending.
func BuiltinYears() []int {
	src := builtin()
	ys := make([]int, len(src))
	for i, t := range src {
		ys[i] = t.Year
	}
	return ys
}

// builtinFixes are make-up days lunar-go v1.4.7 lacks, checked against the notice.
var builtinFixes = []*HolidayUtil.Holiday{
	// 国办发明电〔2012〕33号: 清明 4月7日（星期日）上班; 国庆 9月29日（星期日）、10月12日（星期六）上班.
	HolidayUtil.NewHoliday("2013-04-07", "清明节", true, "2013-04-04"),
	HolidayUtil.NewHoliday("2013-10-12", "国庆节", true, "2013-10-01"),
}

func loadBuiltin() []YearTable {
	byYear := map[int]*YearTable{}
	own := map[int]bool{} // years with an entry dated in the year of its own festival
	add := func(h *HolidayUtil.Holiday) {
		d, err := ParseDate(h.GetDay())
		if err != nil {
			return
		}
		target, err := ParseDate(h.GetTarget())
		if err != nil {
			return
		}
		// lunar-go marks a few ordinary weekdays after a holiday as 调休 (2012-05-02,
		// 2012-10-08); the notices do not, and a weekday is a workday anyway.
		if h.IsWork() && !d.IsWeekend() {
			return
		}
		ty := target.Year()
		t := byYear[ty]
		if t == nil {
			t = &YearTable{Year: ty, SourceDoc: BuiltinSource, Names: map[Date]string{}}
			byYear[ty] = t
		}
		if h.IsWork() {
			t.MakeupDays = append(t.MakeupDays, d)
		} else {
			t.Holidays = append(t.Holidays, d)
		}
		t.Names[d] = h.GetName()
		if d.Year() == ty {
			own[ty] = true
		}
	}
	for y := builtinScanFirst; y <= builtinScanLast; y++ {
		l := HolidayUtil.GetHolidaysByYear(y)
		for e := l.Front(); e != nil; e = e.Next() {
			if h, ok := e.Value.(*HolidayUtil.Holiday); ok {
				add(h)
			}
		}
	}
	for _, h := range builtinFixes {
		add(h)
	}
	var out []YearTable
	for y, t := range byYear {
		if own[y] && y >= MinYear && y <= MaxYear {
			out = append(out, t.Normalize())
		}
	}
	slices.SortFunc(out, func(a, b YearTable) int { return a.Year - b.Year })
	return out
}
