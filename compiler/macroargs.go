package compiler

import (
	"fmt"
	"strings"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/project"
)

// patchedMacro is the macro a macros: entry describes: one of the entry's
// own package, as dbt looks it up by macro.<package>.<name>.
func (e *engine) patchedMacro(mp *project.MacroProperties) *macroDef {
	def := e.packageMacros[mp.Package][mp.Name]
	if def == nil && mp.Package == e.proj.Config.Name {
		def = e.macros[mp.Name]
	}
	if def == nil || def.meta.Package != mp.Package {
		return nil
	}
	return def
}

// warnMissingPatchedMacros warns of each macros: entry whose macro does
// not exist, as dbt's MacroNotFoundForPatch (parser/schemas.py
// MacroPatchParser.parse_patch, through warn_or_error).
func (e *engine) warnMissingPatchedMacros(l *diag.List) {
	for _, k := range sortedKeys(e.proj.MacroProperties) {
		mp := e.proj.MacroProperties[k]
		if e.patchedMacro(mp) == nil {
			l.Add(diag.Warnf(mp.File, mp.Pos, "create the macro, or fix the name",
				"Found patch for macro %q which was not found", mp.Name).AsEvent("MacroNotFoundForPatch"))
		}
	}
}

// checkMacroArguments warns, as dbt 1.10 does with
// flags.validate_macro_args, of each macros: entry whose arguments do not
// match its macro's Jinja signature: a name that differs at its position,
// a different count, and a type that is not one of dbt's macro argument
// types (dbt-core's parser/schemas.py _check_patch_arguments), each as
// dbt's InvalidMacroAnnotation through warn_or_error.
func (e *engine) checkMacroArguments(l *diag.List) {
	if on, _ := e.proj.Config.FlagBool("validate_macro_args"); !on {
		return
	}
	for _, k := range sortedKeys(e.proj.MacroProperties) {
		mp := e.proj.MacroProperties[k]
		if len(mp.Arguments) == 0 {
			continue
		}
		def := e.patchedMacro(mp)
		if def == nil {
			continue // warnMissingPatchedMacros reports it
		}
		warn := func(msg string) {
			l.Add(diag.Warnf(mp.File, mp.Pos, "make the arguments: of the macro's properties match its {% macro %} line", "%s", msg).AsEvent("InvalidMacroAnnotation"))
		}
		params := def.meta.Arguments
		for i, a := range mp.Arguments {
			name := fmt.Sprint(a["name"])
			if i < len(params) && name != params[i] {
				warn(fmt.Sprintf("Argument %s in yaml for macro %s does not match the jinja definition.", name, mp.Name))
			}
		}
		if len(mp.Arguments) != len(params) {
			warn(fmt.Sprintf("The number of arguments in the yaml for macro %s does not match the jinja definition.", mp.Name))
		}
		for _, a := range mp.Arguments {
			if t, ok := a["type"].(string); ok && strings.TrimSpace(t) != "" && !validMacroArgType(t) {
				warn(fmt.Sprintf("Argument %v in the yaml for macro %s has an invalid type.", a["name"], mp.Name))
			}
		}
	}
}

// macroArgTypes are dbt's macro argument type names with the number of
// type parameters each takes in brackets (list[str], dict[str, int]).
var macroArgTypes = map[string]int{"str": 0, "string": 0, "bool": 0, "int": 0, "integer": 0, "float": 0,
	"any": 0, "list": 1, "dict": 2, "optional": 1, "relation": 0, "column": 0}

// validMacroArgType reports whether t, spaces and tabs aside, is a type
// name followed by exactly its parameters, as dbt's is_valid_type.
func validMacroArgType(t string) bool {
	t = strings.NewReplacer(" ", "", "\t", "").Replace(t)
	rest, ok := matchMacroArgType(t)
	return ok && rest == ""
}

func matchMacroArgType(s string) (string, bool) {
	n := 0
	for n < len(s) && s[n] >= 'a' && s[n] <= 'z' {
		n++
	}
	params, known := macroArgTypes[s[:n]]
	if n == 0 || !known {
		return s, false
	}
	rest := s[n:]
	if params == 0 {
		return rest, true
	}
	if !strings.HasPrefix(rest, "[") {
		return s, false
	}
	rest = rest[1:]
	for i := range params {
		var ok bool
		if rest, ok = matchMacroArgType(rest); !ok {
			return s, false
		}
		if i < params-1 {
			if !strings.HasPrefix(rest, ",") {
				return s, false
			}
			rest = rest[1:]
		}
	}
	if !strings.HasPrefix(rest, "]") {
		return s, false
	}
	return rest[1:], true
}
