package junit

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

// The JUnit shape CI systems read (Jenkins' junit plugin schema, GitLab's
// parser), declared separately from the writer's types.
type jSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     float64  `xml:"time,attr"`
	Suites   []struct {
		Name      string  `xml:"name,attr"`
		Tests     int     `xml:"tests,attr"`
		Failures  int     `xml:"failures,attr"`
		Errors    int     `xml:"errors,attr"`
		Skipped   int     `xml:"skipped,attr"`
		Time      float64 `xml:"time,attr"`
		Timestamp string  `xml:"timestamp,attr"`
		Cases     []struct {
			Name      string  `xml:"name,attr"`
			Classname string  `xml:"classname,attr"`
			Time      float64 `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func intp(n int) *int { return &n }

func TestWrite(t *testing.T) {
	results := []Result{
		{ResourceType: "test", Package: "shop", Name: "not_null_orders_id", Status: "fail", Failures: intp(3), Message: "Got 3 results, configured to fail if != 0", Time: 20 * time.Millisecond, CompiledPath: "target/compiled/shop/models/schema.yml/not_null_orders_id.sql"},
		{ResourceType: "model", Package: "shop", Name: "orders", Status: "success", Time: 1500 * time.Millisecond, File: "models/orders.sql"},
		{ResourceType: "model", Package: "shop", Name: "broken", Status: "error", Message: "Binder Error: column \"x\" <not> found\nLINE 1: ...", Time: 5 * time.Millisecond, CompiledPath: "target/compiled/shop/models/broken.sql"},
		{ResourceType: "model", Package: "shop", Name: "child", Status: "skipped", Message: "skipped: upstream broken failed"},
		{ResourceType: "seed", Package: "shop", Name: "raw", Status: "success", Time: 100 * time.Millisecond},
		{ResourceType: "test", Package: "shop", Name: "accepted_values_status", Status: "warn", Failures: intp(1), Message: "Got 1 result, configured to warn if != 0"},
		{ResourceType: "test", Package: "shop", Name: "unique_orders_id", Status: "pass", Failures: intp(0)},
	}
	var buf bytes.Buffer
	if err := Write(&buf, "elt build", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), 2*time.Second, results); err != nil {
		t.Fatal(err)
	}
	var got jSuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if got.Tests != 7 || got.Failures != 1 || got.Errors != 1 || got.Skipped != 1 || got.Time != 2 {
		t.Errorf("totals: %+v", got)
	}
	var names []string
	sum := struct{ tests, failures, errors, skipped int }{}
	for _, s := range got.Suites {
		names = append(names, s.Name)
		// Each suite's counts are those of its cases.
		f, e, sk := 0, 0, 0
		for _, c := range s.Cases {
			if c.Failure != nil {
				f++
			}
			if c.Error != nil {
				e++
			}
			if c.Skipped != nil {
				sk++
			}
		}
		if s.Tests != len(s.Cases) || s.Failures != f || s.Errors != e || s.Skipped != sk {
			t.Errorf("suite %s counts %d/%d/%d/%d, cases %d/%d/%d/%d", s.Name, s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Cases), f, e, sk)
		}
		if s.Timestamp != "2026-01-02T03:04:05" {
			t.Errorf("suite %s timestamp %q", s.Name, s.Timestamp)
		}
		sum.tests += s.Tests
		sum.failures += s.Failures
		sum.errors += s.Errors
		sum.skipped += s.Skipped
	}
	if sum.tests != got.Tests || sum.failures != got.Failures || sum.errors != got.Errors || sum.skipped != got.Skipped {
		t.Errorf("suites add up to %+v, testsuites says %+v", sum, got)
	}
	if strings.Join(names, ",") != "seed,model,test" {
		t.Errorf("suites: %v", names)
	}
	model := got.Suites[1]
	if model.Time != 1.505 || model.Cases[0].Name != "orders" || model.Cases[0].Classname != "model.shop" || model.Cases[0].Time != 1.5 {
		t.Errorf("model suite: %+v", model)
	}
	if e := model.Cases[1].Error; e == nil || e.Message != `Binder Error: column "x" <not> found` ||
		!strings.Contains(e.Text, "compiled SQL: target/compiled/shop/models/broken.sql") {
		t.Errorf("error case: %+v", model.Cases[1])
	}
	if s := model.Cases[2].Skipped; s == nil || s.Message != "skipped: upstream broken failed" {
		t.Errorf("skipped case: %+v", model.Cases[2])
	}
	tests := got.Suites[2]
	f := tests.Cases[0].Failure
	if tests.Cases[0].Classname != "test.shop" || f == nil || f.Message != "3 failing rows" ||
		f.Text != "Got 3 results, configured to fail if != 0\ncompiled SQL: target/compiled/shop/models/schema.yml/not_null_orders_id.sql" {
		t.Errorf("failure case: %+v", tests.Cases[0])
	}
	if w := tests.Cases[1]; w.Failure != nil || !strings.HasPrefix(w.SystemOut, "WARN: 1 failing row") {
		t.Errorf("warn case: %+v", w)
	}
	if p := tests.Cases[2]; p.Failure != nil || p.Error != nil || p.Skipped != nil {
		t.Errorf("pass case: %+v", p)
	}
}
