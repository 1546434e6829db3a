package deps

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/elt-dev/elt/internal/lazyre"
)

// This file follows dbt's own semantic-version rules (dbt_common/semver.py),
// which differ from semver.org in places: a two-sided comparison of matchers,
// prerelease parts compared as Python compares them, and the length of the
// whole prerelease string as the final tie-breaker.

type matcher string

const (
	matchGT    matcher = ">"
	matchGTE   matcher = ">="
	matchLT    matcher = "<"
	matchLTE   matcher = "<="
	matchExact matcher = "="
)

var versionRE = lazyre.New(`^(>=|>|<=|<|=)?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-?((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9A-Za-z-]*(?:\.[0-9A-Za-z-]*)*))?$`)

// versionSpec is one version or one bound ("1.2.3", ">=1.0.0", "<2.0.0").
type versionSpec struct {
	major, minor, patch int
	prerelease          string
	hasPrerelease       bool
	build               string
	matcher             matcher
	unbounded           bool
}

func parseVersion(s string) (versionSpec, error) {
	m := versionRE().FindStringSubmatch(s)
	if m == nil {
		return versionSpec{}, fmt.Errorf("%q is not a valid semantic version", s)
	}
	v := versionSpec{matcher: matchExact, prerelease: m[5], hasPrerelease: m[5] != "", build: m[6]}
	if m[1] != "" {
		v.matcher = matcher(m[1])
	}
	v.major, _ = strconv.Atoi(m[2])
	v.minor, _ = strconv.Atoi(m[3])
	v.patch, _ = strconv.Atoi(m[4])
	return v, nil
}

func unbounded() versionSpec { return versionSpec{matcher: matchExact, unbounded: true} }

// String renders the spec as dbt does, matcher first ("=1.0.0" for an exact one).
func (v versionSpec) String() string {
	if v.unbounded {
		return "*"
	}
	return string(v.matcher) + v.plain()
}

// plain renders the version without its matcher.
func (v versionSpec) plain() string {
	s := fmt.Sprintf("%d.%d.%d", v.major, v.minor, v.patch)
	if v.hasPrerelease {
		s += "-" + v.prerelease
	}
	if v.build != "" {
		s += "+" + v.build
	}
	return s
}

func (v versionSpec) isLower() bool {
	return !v.unbounded && (v.matcher == matchGT || v.matcher == matchGTE)
}
func (v versionSpec) isUpper() bool {
	return !v.unbounded && (v.matcher == matchLT || v.matcher == matchLTE)
}
func (v versionSpec) isExact() bool { return !v.unbounded && v.matcher == matchExact }

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compare is dbt's VersionSpecifier.compare.
func (v versionSpec) compare(o versionSpec) int {
	if v.unbounded || o.unbounded {
		return 0
	}
	for _, c := range []int{cmpInt(v.major, o.major), cmpInt(v.minor, o.minor), cmpInt(v.patch, o.patch)} {
		if c != 0 {
			return c
		}
	}
	switch {
	case !v.hasPrerelease && !o.hasPrerelease:
	case !v.hasPrerelease:
		if v.matcher == matchLT {
			// A maximum stable version excludes prereleases of that version.
			return -1
		}
		return 1
	case !o.hasPrerelease:
		return -1
	default:
		if c := natCompare(v.prerelease, o.prerelease); c != 0 {
			return c
		}
	}
	if (v.matcher == matchGTE && o.matcher == matchLTE) || (v.matcher == matchLTE && o.matcher == matchGTE) {
		return 0
	}
	if (v.matcher == matchLT && o.matcher == matchLTE) || (o.matcher == matchGT && v.matcher == matchGTE) || (v.isUpper() && o.isLower()) {
		return -1
	}
	if (o.matcher == matchLT && v.matcher == matchLTE) || (v.matcher == matchGT && o.matcher == matchGTE) || (v.isLower() && o.isUpper()) {
		return 1
	}
	return 0
}

var digitsRE = lazyre.New(`^\d+$`)

// natCompare compares prerelease strings part by part: numbers numerically,
// numbers before words, words as strings; then by total length.
func natCompare(a, b string) int {
	ap, bp := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(ap) && i < len(bp); i++ {
		x, y := ap[i], bp[i]
		xn, yn := digitsRE().MatchString(x), digitsRE().MatchString(y)
		var c int
		switch {
		case xn && yn:
			xi, _ := strconv.Atoi(x)
			yi, _ := strconv.Atoi(y)
			c = cmpInt(xi, yi)
		case xn:
			c = -1
		case yn:
			c = 1
		default:
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
	}
	return cmpInt(len(a), len(b))
}

type versionRange struct{ start, end versionSpec }

func (v versionSpec) toRange() versionRange {
	r := versionRange{start: unbounded(), end: unbounded()}
	switch {
	case v.isExact():
		r.start, r.end = v, v
	case v.isLower():
		r.start = v
	case v.isUpper():
		r.end = v
	}
	return r
}

// String renders the range as dbt does: "ANY", ">=1.0.0", ">=1.0.0, <2.0.0".
func (r versionRange) String() string {
	if r.start.unbounded && r.end.unbounded {
		return "ANY"
	}
	var parts []string
	if !r.start.unbounded {
		parts = append(parts, r.start.String())
	}
	if !r.end.unbounded {
		parts = append(parts, r.end.String())
	}
	return strings.Join(parts, ", ")
}

var errIncompatible = fmt.Errorf("versions not compatible")

func combineLowerWithExact(lower, exact versionSpec) (versionSpec, error) {
	c := lower.compare(exact)
	if c < 0 || (c == 0 && lower.matcher == matchGTE) {
		return exact, nil
	}
	return versionSpec{}, errIncompatible
}

func combineLower(a, b versionSpec) (versionSpec, error) {
	switch {
	case b.unbounded:
		return a, nil
	case a.unbounded:
		return b, nil
	case !(a.isExact() || b.isExact()):
		if a.compare(b) < 0 {
			return b, nil
		}
		return a, nil
	case a.isExact():
		return combineLowerWithExact(b, a)
	default:
		return combineLowerWithExact(a, b)
	}
}

func combineUpperWithExact(upper, exact versionSpec) (versionSpec, error) {
	c := upper.compare(exact)
	if c > 0 || (c == 0 && upper.matcher == matchLTE) {
		return exact, nil
	}
	return versionSpec{}, errIncompatible
}

func combineUpper(a, b versionSpec) (versionSpec, error) {
	switch {
	case b.unbounded:
		return a, nil
	case a.unbounded:
		return b, nil
	case !(a.isExact() || b.isExact()):
		if a.compare(b) > 0 {
			return b, nil
		}
		return a, nil
	case a.isExact():
		return combineUpperWithExact(b, a)
	default:
		return combineUpperWithExact(a, b)
	}
}

func (r versionRange) reduce(o versionRange) (versionRange, error) {
	var start, end versionSpec
	var err error
	if r.start.isExact() && o.start.isExact() {
		if r.start.compare(o.start) != 0 {
			return versionRange{}, errIncompatible
		}
		start, end = r.start, r.start
	} else {
		if start, err = combineLower(r.start, o.start); err != nil {
			return versionRange{}, err
		}
		if end, err = combineUpper(r.end, o.end); err != nil {
			return versionRange{}, err
		}
	}
	if start.compare(end) > 0 {
		return versionRange{}, errIncompatible
	}
	return versionRange{start: start, end: end}, nil
}

// reduceVersions intersects specs in dbt's order (the last one first).
func reduceVersions(specs ...versionSpec) (versionRange, error) {
	var list []versionSpec
	for _, s := range specs {
		if !s.unbounded {
			list = append(list, s)
		}
	}
	if len(list) == 0 {
		return versionRange{start: unbounded(), end: unbounded()}, nil
	}
	r := list[len(list)-1].toRange()
	for _, s := range list[:len(list)-1] {
		var err error
		if r, err = r.reduce(s.toRange()); err != nil {
			return versionRange{}, err
		}
	}
	return r, nil
}

func versionsCompatible(specs ...versionSpec) bool {
	if len(specs) == 1 {
		return true
	}
	_, err := reduceVersions(specs...)
	return err == nil
}

// resolveToSpecificVersion picks the highest available version inside r.
func resolveToSpecificVersion(r versionRange, available []string) string {
	var best versionSpec
	bestStr := ""
	for _, s := range available {
		v, err := parseVersion(s)
		if err != nil {
			continue
		}
		if versionsCompatible(v, r.start, r.end) && (bestStr == "" || best.compare(v) < 0) {
			best, bestStr = v, s
		}
	}
	return bestStr
}

// filterInstallable drops prereleases unless asked for, sorted oldest first.
func filterInstallable(versions []string, prerelease bool) []string {
	type pair struct {
		v versionSpec
		s string
	}
	var list []pair
	for _, s := range versions {
		v, err := parseVersion(s)
		if err != nil {
			continue
		}
		if prerelease || !v.hasPrerelease {
			list = append(list, pair{v, s})
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].v.compare(list[j].v) == -1 })
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = p.s
	}
	return out
}

// dbtVersionCompatible reports whether dbtVersion satisfies a
// require-dbt-version list, as dbt's is_compatible_version does.
func dbtVersionCompatible(dbtVersion string, required []string) (bool, error) {
	if len(required) == 0 {
		return true, nil
	}
	installed, err := parseVersion(dbtVersion)
	if err != nil {
		return false, err
	}
	var specs []versionSpec
	for _, r := range required {
		s, err := parseVersion(r)
		if err != nil {
			return false, err
		}
		specs = append(specs, s)
	}
	rng, err := reduceVersions(specs...)
	if err != nil {
		return false, fmt.Errorf("require-dbt-version %v can never be satisfied", required)
	}
	return versionsCompatible(installed, rng.start, rng.end), nil
}

// DBTVersionCompatible reports whether dbtVersion satisfies a project's
// require-dbt-version list, as dbt checks it when it loads a project.
func DBTVersionCompatible(dbtVersion string, required []string) (bool, error) {
	return dbtVersionCompatible(dbtVersion, required)
}
