package schedule

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// stubAirflow is just enough of Airflow's API for the generated file to
// run under plain Python, recording the DAGs and tasks it defines.
const stubAirflow = `
import json, shlex, sys, types
dags = []
class DAG:
    def __init__(self, **kw): self.kw = kw; self.tasks = []; dags.append(self)
    def __enter__(self): DAG.current = self; return self
    def __exit__(self, *a): DAG.current = None
class Task:
    def __init__(self, **kw): self.kw = kw; self.down = []; DAG.current.tasks.append(self)
    def __rshift__(self, other): self.down.append(other.kw["task_id"]); return other
airflow = types.ModuleType("airflow"); airflow.DAG = DAG
ops = types.ModuleType("airflow.operators")
bash = types.ModuleType("airflow.operators.bash"); bash.BashOperator = Task
trig = types.ModuleType("airflow.operators.trigger_dagrun"); trig.TriggerDagRunOperator = Task
pendulum = types.ModuleType("pendulum"); pendulum.datetime = lambda *a, **kw: str(kw.get("tz"))
sys.modules.update({"airflow": airflow, "airflow.operators": ops, "airflow.operators.bash": bash, "airflow.operators.trigger_dagrun": trig, "pendulum": pendulum})
exec(open(sys.argv[1]).read())
out = []
for d in dags:
    tasks = []
    for t in d.tasks:
        kw = dict(t.kw)
        if "bash_command" in kw: kw["argv"] = shlex.split(kw.pop("bash_command"))
        if kw.get("execution_timeout") is not None: kw["execution_timeout"] = kw["execution_timeout"].total_seconds()
        kw["down"] = t.down
        tasks.append(kw)
    da = d.kw["default_args"]
    out.append({"dag_id": d.kw["dag_id"], "schedule": d.kw["schedule"], "tz": d.kw["start_date"], "catchup": d.kw["catchup"],
                "retries": da["retries"], "retry_delay": da["retry_delay"].total_seconds(), "tasks": tasks})
print(json.dumps(out))
`

func TestAirflowExport(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: cannot run the generated DAG file")
	}
	js, err := Parse("jobs.yml", []byte(`jobs:
  - name: nightly
    cron: "0 2 * * *"
    timezone: Europe/Paris
    command: build
    select: ["tag:it's", "path:models/marts"]
    vars: {day: "2024-01-01", note: 'say "hi"'}
    retries: {count: 2, backoff: 30s}
    timeout: 1h
    catchup: all
  - name: fresh
    command: source freshness
    after: [nightly]
`))
	if err != nil {
		t.Fatal(err)
	}
	src, err := AirflowDAGs(js, "/usr/local/bin/elt", "/srv/my project")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dagFile, stub := filepath.Join(dir, "elt_jobs.py"), filepath.Join(dir, "stub.py")
	os.WriteFile(dagFile, []byte(src), 0o644)
	os.WriteFile(stub, []byte(stubAirflow), 0o644)
	out, err := exec.Command(py, stub, dagFile).CombinedOutput()
	if err != nil {
		t.Fatalf("the generated file does not run: %v\n%s\n%s", err, out, src)
	}
	var dags []struct {
		DagID      string           `json:"dag_id"`
		Schedule   *string          `json:"schedule"`
		TZ         string           `json:"tz"`
		Catchup    bool             `json:"catchup"`
		Retries    int              `json:"retries"`
		RetryDelay float64          `json:"retry_delay"`
		Tasks      []map[string]any `json:"tasks"`
	}
	if err := json.Unmarshal(out, &dags); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(dags) != 2 || dags[0].DagID != "elt_nightly" || *dags[0].Schedule != "0 2 * * *" || dags[0].TZ != "Europe/Paris" || !dags[0].Catchup || dags[0].Retries != 2 || dags[0].RetryDelay != 30 {
		t.Fatalf("dags %+v", dags)
	}
	run := dags[0].Tasks[0]
	var argv []string
	for _, a := range run["argv"].([]any) {
		argv = append(argv, a.(string))
	}
	want := []string{"/usr/local/bin/elt", "--project-dir", "/srv/my project", "build", "--select", "tag:it's path:models/marts", "--vars", `{"day":"2024-01-01","note":"say \"hi\""}`}
	if !reflect.DeepEqual(argv, want) {
		t.Errorf("command\n got %q\nwant %q", argv, want)
	}
	if run["execution_timeout"] != 3600.0 || !reflect.DeepEqual(run["down"], []any{"trigger_elt_fresh"}) {
		t.Errorf("run task %v", run)
	}
	if dags[1].DagID != "elt_fresh" || dags[1].Schedule != nil || !strings.Contains(strings.Join(toStrings(dags[1].Tasks[0]["argv"]), " "), "source freshness") {
		t.Errorf("fresh dag %+v", dags[1])
	}
	six, _ := Parse("jobs.yml", []byte("jobs:\n  - name: fast\n    cron: '*/5 * * * * *'\n    command: run\n"))
	if _, err := AirflowDAGs(six, "elt", "."); err == nil || !strings.Contains(err.Error(), "job fast (jobs.yml line 2)") {
		t.Errorf("6-field cron: %v", err)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, a := range v.([]any) {
		out = append(out, a.(string))
	}
	return out
}
