package compiler

import "testing"

func TestMacroBlocksOnly(t *testing.T) {
	for _, c := range []struct{ name, src, want string }{
		{"a tag no parser knows, outside the blocks",
			"{% https://github.com/re-data/re-data/issues/143 %}\n\n{% macro a() %}x{% endmacro %}\n",
			"\n\n{% macro a() %}x{% endmacro %}\n"},
		{"text, expressions, comments and tags between blocks",
			"{# a comment\n #}{{ outside() }}\ntext {% set z = 1 %}\n{%- macro a() -%}{{ '%}' }}{% if x %}y{% endif %}{%- endmacro -%} tail {{ x }}\n",
			"\n\n\n{%- macro a() -%}{{ '%}' }}{% if x %}y{% endif %}{%- endmacro -%}\n"},
		{"tests and materializations are blocks too",
			"{% test t(model) %}select {{ \"{% endtest %}\" }}{% endtest %}\n{% materialization m, default %}{% endmaterialization %}",
			"{% test t(model) %}select {{ \"{% endtest %}\" }}{% endtest %}\n{% materialization m, default %}{% endmaterialization %}"},
		{"a raw block outside is skipped whole",
			"{% raw %}{% macro not_one() %}{% endraw %}\n{% macro a() %}{% endmacro %}",
			"\n{% macro a() %}{% endmacro %}"},
		{"an open block keeps the rest, for the parser to report",
			"x\n{% macro a() %}never closed\n",
			"\n{% macro a() %}never closed\n"},
		{"no blocks", "just text\n{{ x }}\n", "\n\n"},
	} {
		if got := macroBlocksOnly(c.src); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}
