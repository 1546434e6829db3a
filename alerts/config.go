package alerts

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/yamlsafe"
)

// FileName is the alerts file, at the project root.
const FileName = "alerts.yml"

// Channel is where notifications go.
type Channel struct {
	Name    string
	Type    string            // "webhook", "slack" or "command"
	URL     string            // webhook, slack
	Headers map[string]string // webhook
	Command []string          // command: argv; the event arrives as JSON on stdin
}

// Rule kinds.
const (
	TestFailure = "test_failure"
	Anomaly     = "anomaly"
	ScoreBelow  = "score_below"
	StaleSource = "stale_source"
	// JobFailed fires when a scheduled job's run fails for good (its
	// retries used up) and recovers when the job next succeeds.
	JobFailed = "job_failed"
	// JobHealthBelow fires when a job's health score (0 to 1) falls below
	// the rule's threshold.
	JobHealthBelow = "job_health_below"
)

// kinds are the rule kinds, in the order error messages list them.
var kinds = []string{TestFailure, Anomaly, ScoreBelow, StaleSource, JobFailed, JobHealthBelow}

// Rule says which events alert which channels.
type Rule struct {
	Name      string
	On        string   // one of the rule kinds
	Channels  []string // channel names
	Threshold float64  // score_below (0 to 100), job_health_below (0 to 1): alert when a score is below it
	Pos       diag.Pos
}

// Config is alerts.yml.
type Config struct {
	Channels []Channel
	Rules    []Rule
}

// Load reads root/alerts.yml; a missing file is no alerts. Values may name
// environment variables as ${NAME}, so secrets stay out of the file. Every
// problem is reported with its line.
func Load(root string, lookupEnv func(string) (string, bool)) (*Config, error) {
	src, err := os.ReadFile(filepath.Join(root, FileName))
	if os.IsNotExist(err) {
		return &Config{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		line, col, msg, _ := yamlsafe.SyntaxError(src, err)
		return nil, diag.List{diag.Errorf(FileName, diag.Pos{Line: line, Column: col}, "fix the YAML syntax", "%s", msg)}.Err()
	}
	if culprit, limit, big := yamlsafe.TooLarge(&doc); big {
		return nil, diag.List{diag.Errorf(FileName, pos(culprit), "use fewer aliases", "aliases expand to more than %d values", limit)}.Err()
	}
	var l diag.List
	cfg := &Config{}
	if len(doc.Content) == 0 {
		return cfg, nil
	}
	root0 := doc.Content[0]
	if root0.Kind != yaml.MappingNode {
		return nil, diag.List{diag.Errorf(FileName, pos(root0), "write channels: and rules:", "alerts.yml must be a mapping")}.Err()
	}
	expand := func(s string) string {
		return os.Expand(s, func(k string) string { v, _ := lookupEnv(k); return v })
	}
	names := map[string]bool{}
	var refs [][]*yaml.Node // each rule's channel names, checked once all channels are known
	for i := 0; i+1 < len(root0.Content); i += 2 {
		k, v := root0.Content[i], root0.Content[i+1]
		switch k.Value {
		case "channels":
			for _, e := range seq(v, "channels", &l) {
				ch := Channel{}
				for _, p := range mapping(e, "a channel", &l) {
					switch p[0].Value {
					case "name":
						ch.Name = p[1].Value
					case "type":
						ch.Type = p[1].Value
					case "url":
						ch.URL = expand(p[1].Value)
					case "headers":
						ch.Headers = map[string]string{}
						for _, h := range mapping(p[1], "headers", &l) {
							ch.Headers[h[0].Value] = expand(h[1].Value)
						}
					case "command":
						switch p[1].Kind {
						case yaml.ScalarNode:
							ch.Command = strings.Fields(expand(p[1].Value))
						case yaml.SequenceNode:
							for _, a := range p[1].Content {
								ch.Command = append(ch.Command, expand(a.Value))
							}
						}
					default:
						l.Add(diag.Errorf(FileName, pos(p[0]), "a channel has: name, type, url, headers, command", "unknown channel key %q", p[0].Value))
					}
				}
				switch {
				case ch.Name == "":
					l.Add(diag.Errorf(FileName, pos(e), "give the channel a name: rules refer to it", "a channel has no name"))
				case names[ch.Name]:
					l.Add(diag.Errorf(FileName, pos(e), "give each channel its own name", "channel %q is declared twice", ch.Name))
				}
				names[ch.Name] = true
				switch ch.Type {
				case "webhook", "slack":
					if !strings.HasPrefix(ch.URL, "http://") && !strings.HasPrefix(ch.URL, "https://") {
						l.Add(diag.Errorf(FileName, pos(e), "write url: https://... (or ${ENV_VAR} holding it)", "channel %q needs an http(s) url", ch.Name))
					}
				case "command":
					if len(ch.Command) == 0 {
						l.Add(diag.Errorf(FileName, pos(e), "write command: [program, arg, ...]; the alert arrives as JSON on its stdin", "channel %q needs a command", ch.Name))
					}
				default:
					l.Add(diag.Errorf(FileName, pos(e), "use type: webhook, slack or command", "channel %q: type %q is not a channel type", ch.Name, ch.Type))
				}
				cfg.Channels = append(cfg.Channels, ch)
			}
		case "rules":
			for _, e := range seq(v, "rules", &l) {
				r := Rule{Pos: pos(e)}
				var chNodes []*yaml.Node
				var thresholdNode *yaml.Node
				for _, p := range mapping(e, "a rule", &l) {
					switch p[0].Value {
					case "name":
						r.Name = p[1].Value
					case "on":
						r.On = p[1].Value
					case "channels":
						if p[1].Kind == yaml.ScalarNode {
							r.Channels = []string{p[1].Value}
							chNodes = append(chNodes, p[1])
						}
						for _, c := range p[1].Content {
							r.Channels = append(r.Channels, c.Value)
							chNodes = append(chNodes, c)
						}
					case "threshold":
						thresholdNode = p[1]
						if _, err := fmt.Sscanf(p[1].Value, "%g", &r.Threshold); err != nil || p[1].Kind != yaml.ScalarNode {
							l.Add(diag.Errorf(FileName, pos(p[1]), "write a score: from 0 to 100 for score_below, from 0 to 1 for job_health_below", "threshold must be a number, not %q", p[1].Value))
							thresholdNode = nil
						}
					default:
						l.Add(diag.Errorf(FileName, pos(p[0]), "a rule has: name, on, channels, threshold", "unknown rule key %q", p[0].Value))
					}
				}
				if r.Name == "" {
					r.Name = r.On
				}
				if !slices.Contains(kinds, r.On) {
					l.Add(diag.Errorf(FileName, pos(e), "use on: "+strings.Join(kinds, ", "), "rule %q: on %q is not a rule kind", r.Name, r.On))
				}
				switch {
				case r.On == ScoreBelow && thresholdNode == nil:
					l.Add(diag.Errorf(FileName, pos(e), "write threshold: 80 (a score from 0 to 100)", "rule %q: score_below needs a threshold", r.Name))
				case r.On == ScoreBelow && (r.Threshold <= 0 || r.Threshold > 100):
					l.Add(diag.Errorf(FileName, pos(thresholdNode), "write threshold: 80 (a score from 0 to 100)", "rule %q: score_below needs a threshold above 0 and at most 100, not %g", r.Name, r.Threshold))
				case r.On == JobHealthBelow && thresholdNode == nil:
					l.Add(diag.Errorf(FileName, pos(e), "write threshold: 0.7 (a health score from 0 to 1)", "rule %q: job_health_below needs a threshold", r.Name))
				case r.On == JobHealthBelow && (r.Threshold <= 0 || r.Threshold > 1):
					l.Add(diag.Errorf(FileName, pos(thresholdNode), "write threshold: 0.7 (a health score from 0 to 1)", "rule %q: job_health_below needs a threshold above 0 and at most 1, not %g", r.Name, r.Threshold))
				case thresholdNode != nil && r.On != ScoreBelow && r.On != JobHealthBelow && slices.Contains(kinds, r.On):
					l.Add(diag.Errorf(FileName, pos(thresholdNode), "remove threshold: only score_below and job_health_below rules take one", "rule %q: %s takes no threshold", r.Name, r.On))
				}
				if len(r.Channels) == 0 {
					l.Add(diag.Errorf(FileName, pos(e), "list the channels to notify", "rule %q has no channels", r.Name))
				}
				cfg.Rules = append(cfg.Rules, r)
				refs = append(refs, chNodes)
			}
		default:
			l.Add(diag.Errorf(FileName, pos(k), "alerts.yml has: channels, rules", "unknown key %q", k.Value))
		}
	}
	for i, r := range cfg.Rules {
		for _, c := range refs[i] {
			if !names[c.Value] {
				l.Add(diag.Errorf(FileName, pos(c), "declare it under channels:", "rule %q names channel %q, which is not declared", r.Name, c.Value))
			}
		}
	}
	if err := l.Err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func pos(n *yaml.Node) diag.Pos {
	if n == nil {
		return diag.Pos{}
	}
	return diag.Pos{Line: n.Line, Column: n.Column}
}

func seq(n *yaml.Node, what string, l *diag.List) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		l.Add(diag.Errorf(FileName, pos(n), "write "+what+": as a list", "%s must be a list", what))
		return nil
	}
	return n.Content
}

func mapping(n *yaml.Node, what string, l *diag.List) [][2]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		l.Add(diag.Errorf(FileName, pos(n), "write "+what+" as a mapping", "%s must be a mapping", what))
		return nil
	}
	var out [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
	}
	return out
}
