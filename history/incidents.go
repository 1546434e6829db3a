package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Incident is one stretch of time during which an alert rule fired for a
// subject (a node, a metric, the project): it opens on the first breach
// and resolves on the first check that passes again.
type Incident struct {
	Rule       string
	Subject    string
	OpenedAt   time.Time
	LastSeenAt time.Time
	ResolvedAt time.Time // zero while open
	Message    string
}

// OpenIncident notes that rule fires for subject at at. opened is true when
// this starts a new incident (alert now) and false when one is already open
// (the same incident goes on: stay quiet).
func (s *Store) OpenIncident(ctx context.Context, rule, subject, message string, at time.Time) (opened bool, err error) {
	err = s.InTx(ctx, func(tx *sql.Tx) error {
		inc, err := s.openIncident(ctx, tx, rule, subject)
		if err != nil {
			return err
		}
		if inc != nil {
			_, err := tx.ExecContext(ctx, `UPDATE incidents SET last_seen_at = $1, message = $2 WHERE rule = $3 AND subject = $4 AND resolved_at IS NULL`,
				s.T(at), message, rule, subject)
			return err
		}
		opened = true
		_, err = tx.ExecContext(ctx, `INSERT INTO incidents (rule, subject, opened_at, last_seen_at, message) VALUES ($1, $2, $3, $3, $4)`,
			rule, subject, s.T(at), message)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("history: open incident %s %s: %w", rule, subject, err)
	}
	return opened, nil
}

// ResolveIncident closes the open incident of rule for subject, if any, and
// returns it (nil when none was open: nothing to announce).
func (s *Store) ResolveIncident(ctx context.Context, rule, subject string, at time.Time) (*Incident, error) {
	var resolved *Incident
	err := s.InTx(ctx, func(tx *sql.Tx) error {
		inc, err := s.openIncident(ctx, tx, rule, subject)
		if err != nil || inc == nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE incidents SET resolved_at = $1 WHERE rule = $2 AND subject = $3 AND resolved_at IS NULL`,
			s.T(at), rule, subject); err != nil {
			return err
		}
		inc.ResolvedAt = at.UTC()
		resolved = inc
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history: resolve incident %s %s: %w", rule, subject, err)
	}
	return resolved, nil
}

func (s *Store) openIncident(ctx context.Context, tx *sql.Tx, rule, subject string) (*Incident, error) {
	var inc Incident
	var opened, seen NullTime
	err := tx.QueryRowContext(ctx, `SELECT rule, subject, opened_at, last_seen_at, message FROM incidents WHERE rule = $1 AND subject = $2 AND resolved_at IS NULL`,
		rule, subject).Scan(&inc.Rule, &inc.Subject, &opened, &seen, &inc.Message)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	inc.OpenedAt, inc.LastSeenAt = opened.Time, seen.Time
	return &inc, nil
}

// OpenIncidents lists the incidents still open, oldest first.
func (s *Store) OpenIncidents(ctx context.Context) ([]Incident, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT rule, subject, opened_at, last_seen_at, message FROM incidents WHERE resolved_at IS NULL ORDER BY opened_at, rule, subject`)
	if err != nil {
		return nil, fmt.Errorf("history: open incidents: %w", err)
	}
	defer rows.Close()
	var out []Incident
	for rows.Next() {
		var inc Incident
		var opened, seen NullTime
		if err := rows.Scan(&inc.Rule, &inc.Subject, &opened, &seen, &inc.Message); err != nil {
			return nil, fmt.Errorf("history: open incidents: %w", err)
		}
		inc.OpenedAt, inc.LastSeenAt = opened.Time, seen.Time
		out = append(out, inc)
	}
	return out, rows.Err()
}
