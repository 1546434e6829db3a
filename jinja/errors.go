package jinja

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Frame is one macro invocation in an error's call chain: the macro that
// was called and where it was called from.
type Frame struct {
	Name  string // template holding the call site
	Line  int    // 1-based
	Col   int    // 1-based, in characters
	Macro string // the macro that was called
}

// Error is every error Parse and Render return. Kind names the Python
// exception class Jinja2 raises in the same situation.
type Error struct {
	Kind  string
	Msg   string
	Name  string
	Line  int
	Col   int
	Stack []Frame // macro call chain, outermost first
	Err   error   // the error a Go callable returned, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Name)
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(e.Line))
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(e.Col))
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if len(e.Stack) > 0 {
		b.WriteString(" (")
		for i := len(e.Stack) - 1; i >= 0; i-- {
			f := e.Stack[i]
			if i != len(e.Stack)-1 {
				b.WriteString(" → ")
			}
			if f.Name == "" && f.Line == 0 {
				// Called by the host (Macro.Call), from no template.
				fmt.Fprintf(&b, "in macro %s", f.Macro)
				continue
			}
			fmt.Fprintf(&b, "in macro %s called from %s:%d:%d", f.Macro, f.Name, f.Line, f.Col)
		}
		b.WriteByte(')')
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// newErr makes an error that does not know its position yet; the code that
// evaluates the failing node fills it in.
func newErr(kind, msg string) *Error { return &Error{Kind: kind, Msg: msg} }

func errorf(kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

func typeErr(format string, args ...any) *Error { return errorf("TypeError", format, args...) }

// srcInfo maps byte offsets of one template to line and column. The
// table of lines is made the first time a position is asked for (most
// templates never report one).
type srcInfo struct {
	name  string
	src   string
	once  sync.Once
	lines []int // offset of the start of each line
}

func newSrcInfo(name, src string) *srcInfo {
	si := &srcInfo{}
	si.init(name, src)
	return si
}

func (si *srcInfo) init(name, src string) {
	si.name, si.src = name, src
}

func (si *srcInfo) lineTable() []int {
	si.once.Do(func() {
		src := si.src
		lines := make([]int, 1, strings.Count(src, "\n")+1)
		for i := 0; ; {
			k := strings.IndexByte(src[i:], '\n')
			if k < 0 {
				break
			}
			i += k + 1
			lines = append(lines, i)
		}
		si.lines = lines
	})
	return si.lines
}

func (si *srcInfo) lineCol(pos int) (int, int) {
	if pos > len(si.src) {
		pos = len(si.src)
	}
	if pos < 0 {
		pos = 0
	}
	lines := si.lineTable()
	l := sort.Search(len(lines), func(i int) bool { return lines[i] > pos }) - 1
	col := utf8.RuneCountInString(si.src[lines[l]:pos]) + 1
	return l + 1, col
}

func newSyntaxError(name, src string, pos int, msg string) *Error {
	si := newSrcInfo(name, src)
	l, c := si.lineCol(pos)
	return &Error{Kind: "TemplateSyntaxError", Msg: msg, Name: name, Line: l, Col: c}
}

// returnSignal carries a value out of a macro for ReturnValue.
type returnSignal struct{ v any }

func (r *returnSignal) Error() string { return "return() called outside of a macro" }

// ReturnValue makes a Go callable's error end the innermost macro
// invocation with v as its result (dbt's return()); a call block's body is
// not a macro to it, so the macro the block called ends. At the top level
// the render stops; RenderNative yields v and Render yields v as a string.
func ReturnValue(v any) error { return &returnSignal{v: v} }

// Returned reports whether err is a return() that no macro has ended yet,
// and its value: a Go callable that calls a call block's body (caller)
// gets one when the body returned, and ends with that value as a macro
// would.
func Returned(err error) (any, bool) {
	rs, ok := err.(*returnSignal)
	if !ok {
		return nil, false
	}
	return rs.v, true
}

// positioned attaches a position to err if it has none yet. Errors that a
// Go callable returned are wrapped in an *Error of Kind "Error" unless they
// already are one.
func (si *srcInfo) positioned(err error, pos int) error {
	if err == nil {
		return nil
	}
	// The common cases without errors.As, whose target escapes: return()
	// ends every macro that calls it.
	switch x := err.(type) {
	case *returnSignal:
		return err
	case *Error:
		if x.Line == 0 {
			x.Name = si.name
			x.Line, x.Col = si.lineCol(pos)
		}
		si.hostCallSite(x, pos)
		return x
	}
	var e *Error
	if !errors.As(err, &e) {
		var rs *returnSignal
		if errors.As(err, &rs) {
			return err
		}
		e = &Error{Kind: "Error", Msg: err.Error(), Err: err}
	} else if e != err {
		// a Go callable wrapped one of our errors: keep the outer text
		if e.Line == 0 {
			e.Name = si.name
			e.Line, e.Col = si.lineCol(pos)
		}
		si.hostCallSite(e, pos)
		return e
	}
	if e.Line == 0 {
		e.Name = si.name
		e.Line, e.Col = si.lineCol(pos)
	}
	si.hostCallSite(e, pos)
	return e
}

// hostCallSite names pos as the call site of e's outermost macro when Go
// called that macro outside any render's call (Macro.Call with a nil
// State, as an embedder's callable may): the error reaches this template
// at the expression that called the callable, so the chain reads from
// this template down into the macro.
func (si *srcInfo) hostCallSite(e *Error, pos int) {
	if len(e.Stack) > 0 && e.Stack[0].Name == "" && e.Stack[0].Line == 0 {
		e.Stack[0].Name = si.name
		e.Stack[0].Line, e.Stack[0].Col = si.lineCol(pos)
	}
}
