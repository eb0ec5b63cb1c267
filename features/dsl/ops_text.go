package dsl

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// textImpl computes a per-text statistic once per distinct text.
type textImpl struct{ f func(string) float64 }

func (o textImpl) apply(_ *evalCtx, a []value) (value, error) {
	return value{num: perLevel(a[0], o.f)}, nil
}

func runeLength(s string) float64 { return float64(utf8.RuneCountInString(s)) }
func wordCount(s string) float64  { return float64(len(strings.Fields(s))) }

func countRunes(pred func(rune) bool) func(string) float64 {
	return func(s string) float64 {
		n := 0
		for _, r := range s {
			if pred(r) {
				n++
			}
		}
		return float64(n)
	}
}

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

// urlPattern is what count_urls counts.
const urlPattern = `(?i)(?:https?://|www\.)[^\s]+`

func regexCounter(re *regexp.Regexp) func(string) float64 {
	return func(s string) float64 { return float64(len(re.FindAllStringIndex(s, -1))) }
}

// countURLs runs the URL regexp only on texts that can hold a URL.
func countURLs() func(string) float64 {
	count := regexCounter(regexp.MustCompile(urlPattern))
	return func(s string) float64 {
		l := strings.ToLower(s)
		if !strings.Contains(l, "http") && !strings.Contains(l, "www.") {
			return 0
		}
		return count(s)
	}
}

func containsFold(sub string) func(string) float64 {
	ls := strings.ToLower(sub)
	return func(s string) float64 {
		if strings.Contains(strings.ToLower(s), ls) {
			return 1
		}
		return 0
	}
}

// tokensImpl builds hashed unigram + bigram counts (the hashing trick,
// Weinberger et al. 2009, without the sign hash).
type tokensImpl struct {
	buckets int
	name    string
}

// words splits lower-cased text into runs of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// tokenCounts returns sorted bucket indices with their counts for one text.
func (o *tokensImpl) tokenCounts(s string) ([]int32, []float64) {
	ws := words(s)
	idx := make([]int32, 0, 2*len(ws))
	for i, w := range ws {
		idx = append(idx, int32(fnv32(w)%uint32(o.buckets)))
		if i > 0 {
			bi := fnvAdd(fnvAdd(fnv32(ws[i-1]), " "), w) // = fnv32(ws[i-1] + " " + w)
			idx = append(idx, int32(bi%uint32(o.buckets)))
		}
	}
	slices.Sort(idx)
	var ui []int32
	var uv []float64
	for i, x := range idx {
		if i > 0 && x == idx[i-1] {
			uv[len(uv)-1]++
			continue
		}
		ui = append(ui, x)
		uv = append(uv, 1)
	}
	return ui, uv
}

func (o *tokensImpl) apply(_ *evalCtx, a []value) (value, error) {
	type entry struct {
		idx []int32
		val []float64
		ok  bool
	}
	cache := make([]entry, len(a[0].levels))
	sp := &Sparse{Name: o.name, Width: o.buckets, RowPtr: make([]int, 1, len(a[0].codes)+1)}
	for _, c := range a[0].codes {
		if c >= 0 {
			e := &cache[c]
			if !e.ok {
				e.idx, e.val = o.tokenCounts(a[0].levels[c])
				e.ok = true
			}
			sp.Index = append(sp.Index, e.idx...)
			sp.Value = append(sp.Value, e.val...)
		}
		sp.RowPtr = append(sp.RowPtr, len(sp.Index))
	}
	return value{sp: sp}, nil
}
