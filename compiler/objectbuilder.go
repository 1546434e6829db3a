package compiler

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/elt-dev/elt/jinja"
)

// builderItem is dbt-semantic-interfaces' ObjectBuilderItemDescription:
// a query item written in the object-builder syntax, such as
// Dimension('order__ordered_at').grain('month').
type builderItem struct {
	kind       string // Dimension, TimeDimension, Entity or Metric
	name       string
	entityPath []string
	groupBy    []string // a Metric's group_by
	grain      string   // "" for None
	datePart   string
	descending bool // None or True: .descending(False) leaves None, as create_modified
}

func (b builderItem) equal(o builderItem) bool {
	return b.kind == o.kind && b.name == o.name && slices.Equal(b.entityPath, o.entityPath) && slices.Equal(b.groupBy, o.groupBy) &&
		b.grain == o.grain && b.datePart == o.datePart && b.descending == o.descending
}

// datePartNames are DatePart's values.
var datePartNames = []string{"year", "quarter", "month", "week", "day", "dow", "doy"}

// builderError is a Python exception of dbt-semantic-interfaces: its
// class, qualified as Python's traceback prints it, and its message.
type builderError struct{ class, msg string }

func (e *builderError) Error() string { return e.class + ": " + e.msg }

const (
	invalidQuerySyntax  = "dbt_semantic_interfaces.errors.InvalidQuerySyntax"
	invalidBuilderCall  = "dbt_semantic_interfaces.parsing.text_input.ti_exceptions.InvalidBuilderMethodException"
	parseJinjaObjectErr = "dbt_semantic_interfaces.call_parameter_sets.ParseJinjaObjectException"
	queryItemJinjaErr   = "dbt_semantic_interfaces.parsing.text_input.ti_exceptions.QueryItemJinjaException"
)

// check is ObjectBuilderItemDescription's __post_init__.
func (b builderItem) check() error {
	if b.kind == "Entity" || b.kind == "Metric" {
		if b.grain != "" {
			return &builderError{invalidQuerySyntax, fmt.Sprintf("self.time_granularity_name=%s is not supported for item_type=<QueryItemType.%s: '%s'>",
				jinja.Repr(b.grain), strings.ToUpper(b.kind), b.kind)}
		}
		if b.datePart != "" {
			return &builderError{invalidQuerySyntax, fmt.Sprintf("self.date_part_name=%s is not supported for item_type=<QueryItemType.%s: '%s'>",
				jinja.Repr(b.datePart), strings.ToUpper(b.kind), b.kind)}
		}
	}
	if b.kind == "Metric" {
		if len(b.entityPath) > 0 {
			return &builderError{invalidQuerySyntax, "The entity path should not be specified for a metric."}
		}
		if links, _, _ := dunderedName(b.name, nil); len(links) > 0 {
			return &builderError{invalidQuerySyntax, "The name of the metric should not have entity links."}
		}
		return nil
	}
	if b.kind == "Dimension" || b.kind == "TimeDimension" {
		if b.datePart != "" && !slices.Contains(datePartNames, strings.ToLower(b.datePart)) {
			return &builderError{invalidQuerySyntax, fmt.Sprintf("%s is not a valid date part. Valid values are %s", jinja.Repr(b.datePart), pySetOf(datePartNames))}
		}
	}
	if len(b.groupBy) > 0 {
		return &builderError{invalidQuerySyntax, "A group-by should only be specified for metrics."}
	}
	return nil
}

// pySetOf prints strings as a Python set (in the order given).
func pySetOf(items []string) string {
	parts := make([]string, len(items))
	for i, s := range items {
		parts[i] = jinja.Repr(s)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// dunderedName is StructuredDunderedName.parse_name: entity links, the
// element's name and a time granularity suffix ("" if none).
func dunderedName(name string, customGrains []string) (links []string, element, grain string) {
	parts := strings.Split(name, "__")
	if len(parts) == 1 {
		return nil, parts[0], ""
	}
	last := parts[len(parts)-1]
	if slices.Contains(timeGrains, last) || slices.Contains(customGrains, last) {
		if len(parts) == 2 {
			return nil, parts[0], last
		}
		return parts[:len(parts)-2], parts[len(parts)-2], last
	}
	return parts[:len(parts)-1], last, ""
}

// builderObject is the object a builder call makes in the template: its
// methods grain, date_part and descending change its item, where the
// context allows them.
type builderObject struct {
	item    builderItem
	allowed map[string]bool
}

func (o *builderObject) GetAttr(name string) (any, bool) {
	switch name {
	case "grain", "date_part", "descending":
	default:
		return nil, false
	}
	return jinja.Func(func(_ *jinja.State, args []any, _ jinja.Kwargs) (any, error) {
		if !o.allowed[name] {
			return nil, &builderError{invalidBuilderCall, fmt.Sprintf("`%s` can't be used with `%s` in this context.", name, o.item.kind)}
		}
		next := o.item
		var arg any
		if len(args) > 0 {
			arg = args[0]
		}
		switch name {
		case "grain":
			if s, _ := arg.(string); s != "" {
				next.grain = s
			}
		case "date_part":
			if s, _ := arg.(string); s != "" {
				next.datePart = s
			}
		case "descending":
			if t, _ := jinja.Truth(arg); t {
				next.descending = true
			}
		}
		if err := next.check(); err != nil {
			return nil, err
		}
		o.item = next
		return o, nil
	}), true
}

func (o *builderObject) String() string { return "" }

// builderItems are the query items a template in the object-builder
// syntax holds, in order, each once (ObjectBuilderTextProcessor's
// collect_descriptions_from_template); orderBy allows descending() on
// every kind of item, as in an order-by.
func builderItems(template string, orderBy bool) ([]builderItem, error) {
	allowed := map[string]map[string]bool{
		"Dimension":     {"grain": true, "date_part": true, "descending": true},
		"TimeDimension": {"descending": orderBy}, "Entity": {"descending": orderBy}, "Metric": {"descending": orderBy},
	}
	var made []*builderObject
	builder := func(kind string, params ...string) jinja.Func {
		return func(_ *jinja.State, args []any, kw jinja.Kwargs) (any, error) {
			vals := make([]any, len(params))
			set := make([]bool, len(params))
			if len(args) > len(params) {
				return nil, &builderError{"TypeError", fmt.Sprintf("_create() takes from 1 to %d positional arguments but %d were given", len(params), len(args))}
			}
			for i, a := range args {
				vals[i], set[i] = a, true
			}
			if kw != nil {
				for _, k := range kw.Keys() {
					i := slices.Index(params, fmt.Sprint(k))
					if i < 0 {
						return nil, &builderError{"TypeError", fmt.Sprintf("_create() got an unexpected keyword argument '%v'", k)}
					}
					vals[i], set[i] = must(kw.Get(k)), true
				}
			}
			if !set[0] {
				return nil, &builderError{"TypeError", fmt.Sprintf("_create() missing 1 required positional argument: '%s'", params[0])}
			}
			item := builderItem{kind: kind, name: fmt.Sprint(vals[0])}
			for i, p := range params[1:] {
				v := vals[i+1]
				switch p {
				case "entity_path":
					item.entityPath = stringItems(v)
				case "group_by":
					item.groupBy = stringItems(v)
				case "time_granularity_name":
					item.grain, _ = v.(string)
				case "date_part_name":
					item.datePart, _ = v.(string)
				case "descending":
					item.descending, _ = v.(bool)
				}
			}
			if err := item.check(); err != nil {
				return nil, err
			}
			o := &builderObject{item: item, allowed: allowed[kind]}
			made = append(made, o)
			return o, nil
		}
	}
	env := jinja.New(jinja.Options{Undefined: jinja.UndefinedStrict})
	tpl, err := env.Parse("<template>", template)
	if err != nil {
		return nil, &builderError{queryItemJinjaErr, "Error while processing Jinja template:\n" + indentLines(template, "    ")}
	}
	_, err = tpl.Render(map[string]any{
		"Dimension":     builder("Dimension", "name", "entity_path"),
		"TimeDimension": builder("TimeDimension", "time_dimension_name", "time_granularity_name", "entity_path", "descending", "date_part_name"),
		"Entity":        builder("Entity", "entity_name", "entity_path"),
		"Metric":        builder("Metric", "metric_name", "group_by"),
	})
	if err != nil {
		var be *builderError
		if errors.As(err, &be) {
			return nil, be
		}
		return nil, &builderError{queryItemJinjaErr, "Error while processing Jinja template:\n" + indentLines(template, "    ")}
	}
	var out []builderItem
	for _, o := range made {
		if !slices.ContainsFunc(out, o.item.equal) {
			out = append(out, o.item)
		}
	}
	return out, nil
}

func must(v any, _ bool) any { return v }

// stringItems are a list or tuple argument's items as strings.
func stringItems(v any) []string {
	var items []any
	switch x := v.(type) {
	case *jinja.List:
		items = x.Items
	case []any:
		items = x
	case jinja.Tuple:
		items = x
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, fmt.Sprint(it))
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// indentLines is Python's textwrap.indent(s, prefix).
func indentLines(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "")
}

// parameterSetName is the name ParameterSetFactory gives an item (its
// element's name), or the ParseJinjaObjectException it raises.
func parameterSetName(b builderItem, customGrains []string, orderBy bool) (string, error) {
	incorrect := func() error {
		return &builderError{parseJinjaObjectErr, fmt.Sprintf("Name is in an incorrect format: %s. It should be of the form: <primary entity name>__<dimension_name>", jinja.Repr(b.name))}
	}
	switch b.kind {
	case "Dimension", "TimeDimension":
		if b.kind == "Dimension" && b.grain == "" && b.datePart == "" {
			links, element, _ := dunderedName(b.name, nil)
			if len(links) != 1 && element != "metric_time" {
				return "", incorrect()
			}
			return element, nil
		}
		links, element, grain := dunderedName(b.name, customGrains)
		if len(links) != 1 && element != "metric_time" {
			return "", incorrect()
		}
		if grain != "" && b.grain != "" && b.grain != grain {
			return "", &builderError{parseJinjaObjectErr, fmt.Sprintf("Received different grains in `time_dimension_name` parameter ('%s') and `time_granularity_name` parameter ('%s'). "+
				"Remove the grain suffix (`%s`) from the time dimension name and use the `time_granularity_name` parameter to specify the intendend grain.", b.name, b.grain, grain)}
		}
		return element, nil
	case "Entity":
		_, element, grain := dunderedName(b.name, nil)
		if grain != "" {
			return "", &builderError{parseJinjaObjectErr, fmt.Sprintf("Name is in an incorrect format: %s. It should not contain a time grain suffix.", jinja.Repr(b.name))}
		}
		return element, nil
	default:
		if !orderBy && len(b.groupBy) == 0 {
			return "", &builderError{parseJinjaObjectErr, "`group_by` parameter is required for Metric in where filter. This is needed to determine 1) the " +
				"granularity to aggregate the metric to and 2) how to join the metric to the rest of the query."}
		}
		return b.name, nil
	}
}
