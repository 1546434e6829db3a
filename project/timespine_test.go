package project

import (
	"reflect"
	"strings"
	"testing"

	"github.com/elt-dev/elt/internal/diag"
)

// TestTimeSpine: a model's time_spine and its columns' granularity load as
// dbt parses them, and the checks dbt makes stop the load at the line.
func TestTimeSpine(t *testing.T) {
	spine := func(props string) map[string]string {
		return map[string]string{
			"models/metricflow_time_spine.sql": "select 1 as date_day",
			"models/v_v1.sql":                  "select 1 as d",
			"models/v_v2.sql":                  "select 1 as d",
			"models/props.yml":                 "version: 2\nmodels:\n" + props,
		}
	}
	p := mustLoad(t, spine(`  - name: metricflow_time_spine
    time_spine:
      standard_granularity_column: date_day
      custom_granularities:
        - name: fiscal_quarter
          column_name: fq
        - name: retail_month
    columns:
      - name: date_day
        granularity: day
      - name: fq
      - name: retail_month
`))
	n := p.Nodes["model.shop.metricflow_time_spine"]
	want := &TimeSpine{StandardGranularityColumn: "date_day",
		CustomGranularities: []CustomGranularity{{Name: "fiscal_quarter", ColumnName: "fq"}, {Name: "retail_month"}}, Pos: diag.Pos{Line: 4, Column: 5}}
	if n == nil || !reflect.DeepEqual(n.TimeSpine, want) || n.Columns[0].Granularity != "day" {
		t.Fatalf("time spine %+v, column %+v", n.TimeSpine, n.Columns)
	}
	// A versioned model: only its latest version's columns are checked.
	mustLoad(t, spine(`  - name: v
    latest_version: 2
    time_spine: {standard_granularity_column: d}
    versions:
      - v: 1
        columns: [{name: other}]
      - v: 2
        columns: [{name: d, granularity: month}]
`))
	for _, c := range []struct{ props, want string }{
		{"  - name: metricflow_time_spine\n    time_spine: {standard_granularity_column: day}\n    columns: [{name: date_day, granularity: day}]\n",
			"props.yml:4:47: Time spine standard granularity column must be defined on the model. Got invalid column name 'day' for model 'metricflow_time_spine'. Valid names: ['date_day']."},
		{"  - name: metricflow_time_spine\n    time_spine: {standard_granularity_column: date_day}\n    columns: [{name: date_day}]\n",
			"Time spine standard granularity column must have a granularity defined. Please add one for column 'date_day' in model 'metricflow_time_spine'."},
		{"  - name: metricflow_time_spine\n    time_spine:\n      standard_granularity_column: date_day\n      custom_granularities: [{name: fy}]\n    columns: [{name: date_day, granularity: day}]\n",
			"props.yml:4:5: Time spine custom granularity columns do not exist in the model. Columns not found: ['fy']; Available columns: ['date_day']"},
		{"  - name: metricflow_time_spine\n    columns: [{name: date_day, granularity: Day}]\n",
			`props.yml:4:45: granularity "Day" is not a time grain`},
		{"  - name: metricflow_time_spine\n    time_spine: {custom_granularities: []}\n",
			"time_spine needs standard_granularity_column"},
		{"  - name: metricflow_time_spine\n    time_spine: {standard_granularity_column: date_day, grain: day}\n    columns: [{name: date_day, granularity: day}]\n",
			`unknown key "grain"`},
	} {
		_, err := loadDir(t, newProject(t, spine(c.props)), Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v\nwant %s", c.props, err, c.want)
		}
	}
}
