package alerts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"time"

	"github.com/elt-dev/elt/history"
)

// Event is the outcome of one check that a rule watches: firing when it
// failed, not firing when it passed (which resolves an open incident).
type Event struct {
	Kind    string // one of the rule kinds
	Subject string // what it is about: a test, a check, a model, a source, a job
	Firing  bool
	Message string
	Value   *float64 // ScoreBelow, JobHealthBelow: the score, judged against each rule's threshold
}

// Notification is what a channel receives.
type Notification struct {
	Type         string    `json:"type"` // "alert" or "recovery"
	Rule         string    `json:"rule"`
	Kind         string    `json:"kind"`
	Subject      string    `json:"subject"`
	Message      string    `json:"message"`
	Project      string    `json:"project,omitempty"`
	InvocationID string    `json:"invocation_id,omitempty"`
	OpenedAt     time.Time `json:"opened_at"`
	At           time.Time `json:"at"`
}

// Text is the notification as one line for people.
func (n Notification) Text() string {
	if n.Type == "recovery" {
		return fmt.Sprintf(":white_check_mark: [%s] recovered: %s (open since %s)", n.Project, n.Subject, n.OpenedAt.Format(time.RFC3339))
	}
	return fmt.Sprintf(":rotating_light: [%s] %s: %s: %s", n.Project, n.Rule, n.Subject, n.Message)
}

// Notifier turns events into deduplicated notifications.
type Notifier struct {
	Config       *Config
	Store        *history.Store // incident state; required
	Project      string
	InvocationID string
	Dir          string // a command channel's working directory (the project root)
	Client       *http.Client
	Now          func() time.Time
}

// Process opens or resolves the incident of each rule that watches each
// event, and notifies the rule's channels of each new incident and each
// recovery. It returns the notifications sent, and the delivery errors
// joined (a failed delivery never stops the others).
func (n Notifier) Process(ctx context.Context, events []Event) ([]Notification, error) {
	now := time.Now
	if n.Now != nil {
		now = n.Now
	}
	var sent []Notification
	var errs []error
	for _, r := range n.Config.Rules {
		for _, e := range events {
			if e.Kind != r.On {
				continue
			}
			firing := e.Firing
			if (r.On == ScoreBelow || r.On == JobHealthBelow) && e.Value != nil {
				firing = *e.Value < r.Threshold
			}
			at := now().UTC()
			note := Notification{Rule: r.Name, Kind: r.On, Subject: e.Subject, Message: e.Message, Project: n.Project, InvocationID: n.InvocationID, At: at}
			if firing {
				opened, err := n.Store.OpenIncident(ctx, r.Name, e.Subject, e.Message, at)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				if !opened {
					continue // the incident goes on: it was announced
				}
				note.Type, note.OpenedAt = "alert", at
			} else {
				inc, err := n.Store.ResolveIncident(ctx, r.Name, e.Subject, at)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				if inc == nil {
					continue
				}
				note.Type, note.OpenedAt = "recovery", inc.OpenedAt
				note.Message = fmt.Sprintf("%s recovered after %s", e.Subject, at.Sub(inc.OpenedAt).Round(time.Second))
			}
			for _, name := range r.Channels {
				if err := n.deliver(ctx, n.channel(name), note); err != nil {
					errs = append(errs, fmt.Errorf("alerts: channel %s: %w", name, err))
				}
			}
			sent = append(sent, note)
		}
	}
	return sent, errors.Join(errs...)
}

func (n Notifier) channel(name string) Channel {
	for _, c := range n.Config.Channels {
		if c.Name == name {
			return c
		}
	}
	return Channel{Name: name}
}

const deliveryTimeout = 10 * time.Second

func (n Notifier) deliver(ctx context.Context, ch Channel, note Notification) error {
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	var body []byte
	switch ch.Type {
	case "slack":
		body, _ = json.Marshal(map[string]string{"text": note.Text()})
	default:
		body, _ = json.Marshal(note)
	}
	switch ch.Type {
	case "webhook", "slack":
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, ch.URL, bytes.NewReader(body))
		if err != nil {
			return errors.New("bad url") // the URL may hold a token: do not echo it
		}
		req.Header.Set("Content-Type", "application/json")
		for k, v := range ch.Headers {
			req.Header.Set(k, v)
		}
		client := n.Client
		if client == nil {
			client = http.DefaultClient
		}
		resp, err := client.Do(req)
		if err != nil {
			var ue interface{ Unwrap() error }
			if errors.As(err, &ue) {
				return fmt.Errorf("post: %w", ue.Unwrap()) // without the URL
			}
			return errors.New("post failed")
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("the receiver answered %s", resp.Status)
		}
		return nil
	case "command":
		cmd := exec.CommandContext(ctx, ch.Command[0], ch.Command[1:]...)
		cmd.Dir = n.Dir
		cmd.Stdin = bytes.NewReader(body)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w: %s", ch.Command[0], err, strings.TrimSpace(stderr.String()))
		}
		return nil
	}
	return fmt.Errorf("unknown channel type %q", ch.Type)
}
