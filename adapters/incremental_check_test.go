package adapters

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestResolveIncremental(t *testing.T) {
	day := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name               string
		in                 Incremental
		strategy, onChange string
		wantErr            string
	}{
		{name: "defaults without key", in: Incremental{}, strategy: "append", onChange: "ignore"},
		{name: "defaults with key", in: Incremental{UniqueKey: []string{"id"}}, strategy: "delete+insert", onChange: "ignore"},
		{name: "spelling is forgiven", in: Incremental{Strategy: " Merge ", OnSchemaChange: "FAIL"}, strategy: "merge", onChange: "fail"},
		{name: "unknown strategy", in: Incremental{Strategy: "insert_overwrite"},
			wantErr: `invalid incremental config: incremental_strategy "insert_overwrite" is not supported; use one of append, merge, delete+insert, microbatch`},
		{name: "unknown on_schema_change", in: Incremental{OnSchemaChange: "full_refresh"},
			wantErr: `invalid incremental config: on_schema_change "full_refresh" is not supported; use one of ignore, fail, append_new_columns, sync_all_columns`},
		{name: "delete+insert without key appends", in: Incremental{Strategy: "delete+insert", Predicates: []string{"x > 1"}}, strategy: "append", onChange: "ignore"},
		{name: "empty key column", in: Incremental{Strategy: "merge", UniqueKey: []string{"id", " "}},
			wantErr: "invalid incremental config: unique_key has an empty column name"},
		{name: "update and exclude columns", in: Incremental{Strategy: "merge", MergeUpdateColumns: []string{"a"}, MergeExcludeColumns: []string{"b"}},
			wantErr: "invalid incremental config: merge_update_columns and merge_exclude_columns cannot both be set; keep one of them"},
		{name: "microbatch", in: Incremental{Strategy: "microbatch", EventTime: "at", BatchStart: day, BatchEnd: day.AddDate(0, 0, 1)},
			strategy: "microbatch", onChange: "ignore"},
		{name: "microbatch without event_time", in: Incremental{Strategy: "microbatch", BatchStart: day, BatchEnd: day.AddDate(0, 0, 1)},
			wantErr: "invalid incremental config: incremental_strategy microbatch requires event_time"},
		{name: "microbatch backwards", in: Incremental{Strategy: "microbatch", EventTime: "at", BatchStart: day, BatchEnd: day.AddDate(0, 0, -1)},
			wantErr: "invalid incremental config: microbatch: the batch must end after it starts, got [2024-01-02T00:00:00Z, 2024-01-01T00:00:00Z)"},
		{name: "microbatch without window", in: Incremental{Strategy: "microbatch", EventTime: "at"},
			wantErr: "invalid incremental config: microbatch: the batch must end after it starts, got [0001-01-01T00:00:00Z, 0001-01-01T00:00:00Z)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveIncremental(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error:\nwant %s\n got %v", tt.wantErr, err)
				}
				if !errors.Is(err, ErrIncrementalConfig) {
					t.Errorf("error does not wrap ErrIncrementalConfig")
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got.Strategy != tt.strategy || got.OnSchemaChange != tt.onChange {
				t.Errorf("want (%s, %s), got (%s, %s)", tt.strategy, tt.onChange, got.Strategy, got.OnSchemaChange)
			}
		})
	}
}

func TestDiffColumns(t *testing.T) {
	target := []Column{{Name: "id", DataType: "INTEGER"}, {Name: "Name", DataType: "VARCHAR"}, {Name: "old", DataType: "DATE"}, {Name: "n", DataType: "INTEGER"}}
	source := []Column{{Name: "NEW", DataType: "DOUBLE"}, {Name: "ID", DataType: "integer"}, {Name: "name", DataType: "VARCHAR"}, {Name: "n", DataType: "BIGINT"}}
	want := SchemaDiff{
		Added:   []Column{{Name: "NEW", DataType: "DOUBLE"}},
		Removed: []Column{{Name: "old", DataType: "DATE"}},
		Changed: []TypeChange{{Column: "n", From: "INTEGER", To: "BIGINT"}},
	}
	got := DiffColumns(target, source)
	if !reflect.DeepEqual(want, got) {
		t.Errorf("want %+v\n got %+v", want, got)
	}
	if got.Empty() || !DiffColumns(target, target).Empty() {
		t.Errorf("Empty is wrong")
	}
}

func TestUniqueKeyErrorMessage(t *testing.T) {
	tests := []struct {
		err  UniqueKeyError
		want string
	}{
		{UniqueKeyError{UniqueID: "model.shop.orders", Key: []string{"order_id"}, Problem: KeyRepeated, Count: 3, Samples: [][]any{{int64(17)}, {int64(42)}, {int64(99)}}},
			"model.shop.orders: unique_key (order_id) is not unique in the new rows: 3 keys appear more than once, e.g. 17, 42, 99; deduplicate the model's select or choose a unique key"},
		{UniqueKeyError{UniqueID: "model.shop.orders", Key: []string{"region", "day"}, Problem: KeyRepeated, Count: 1,
			Samples: [][]any{{"it's", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}}},
			"model.shop.orders: unique_key (region, day) is not unique in the new rows: 1 key appears more than once, e.g. ('it''s', '2024-01-02 03:04:05'); deduplicate the model's select or choose a unique key"},
		{UniqueKeyError{UniqueID: "model.shop.orders", Key: []string{"a", "b"}, Problem: KeyNull, Count: 2, Samples: [][]any{{nil, 1.5}, {"x", nil}}},
			"model.shop.orders: unique_key (a, b) is NULL in 2 of the new rows, e.g. (NULL, 1.5), ('x', NULL); filter out or fill in NULL keys in the model's select, or choose a unique key without NULLs"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("want %s\n got %s", tt.want, got)
		}
	}
}
