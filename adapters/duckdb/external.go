package duckdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/elt-dev/elt/adapters"
	"github.com/elt-dev/elt/adapters/sqlgen"
	"github.com/elt-dev/elt/internal/lazyre"
)

var _ adapters.ExternalWriter = (*Adapter)(nil)

// External writes a model to files and leaves a view over them, as
// dbt-duckdb's external materialization does: the rows are built in a
// temporary table; an empty result gets one row of nulls so that the file
// still carries the columns; COPY writes the table to the location; the
// relation becomes a view over the files (filtering that row of nulls out).
//
// It all runs in one transaction, so a failure keeps the old relation. A
// single local file is written next to its location and renamed into
// place, so a failed write also keeps the old file.
func (a *Adapter) External(ctx context.Context, e adapters.External) (res adapters.RunResult, err error) {
	d := Dialect{}
	rel := a.qualify(e.Relation)
	defer func() {
		if err != nil {
			err = fmt.Errorf("duckdb: external %s: %w", d.RenderRelation(rel), adapters.ContextError(ctx, err))
		}
	}()
	body := sqlgen.TrimStatement(e.SQL)
	if body == "" {
		return res, errors.New("empty SQL")
	}
	if err := a.checkRemote(ctx, e.Location, "write"); err != nil {
		return res, err
	}
	writePath, final := e.Location, ""
	if isLocalPath(e.Location) {
		abs := a.localPath(e.Location)
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			return res, err
		}
		writePath = abs
		if e.SingleFile {
			var b [6]byte
			_, _ = rand.Read(b[:])
			writePath, final = abs+".elt-tmp-"+hex.EncodeToString(b[:]), abs
			defer os.Remove(writePath) // gone already once renamed
		}
	}
	var rows int64
	err = a.inTx(ctx, func(tx *sql.Tx) error {
		w := warehouse()
		tmp := w.TempRelation(w.TempName(rel.Identifier))
		if _, err := tx.ExecContext(ctx, "create temporary table "+d.Quote(tmp.Identifier)+" as (\n"+body+"\n)"); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "select count(*) from "+d.RenderRelation(tmp)).Scan(&rows); err != nil {
			return err
		}
		cols, err := columns(ctx, tx, tmp)
		if err != nil {
			return err
		}
		filter := ""
		if rows == 0 {
			nulls := make([]string, len(cols))
			conds := make([]string, len(cols))
			for i, c := range cols {
				nulls[i] = "null"
				conds[i] = d.Quote(c.Name) + " is not null"
			}
			if _, err := tx.ExecContext(ctx, "insert into "+d.RenderRelation(tmp)+" values ("+strings.Join(nulls, ", ")+")"); err != nil {
				return err
			}
			filter = "\nwhere " + strings.Join(conds, " and ")
		}
		copySQL := "copy " + d.RenderRelation(tmp) + " to " + literal(writePath)
		if e.WriteOptions != "" {
			copySQL += " (" + e.WriteOptions + ")"
		}
		if _, err := tx.ExecContext(ctx, copySQL); err != nil {
			return copyError(err)
		}
		if final != "" {
			if err := os.Rename(writePath, final); err != nil {
				return err
			}
		}
		kind, err := relationKind(ctx, tx, rel)
		if err != nil {
			return err
		}
		if kind == adapters.KindTable {
			if _, err := tx.ExecContext(ctx, "drop table "+d.RenderRelation(rel)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "create or replace view "+d.RenderRelation(rel)+" as (\nselect * from "+e.Reader+filter+"\n)"); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "drop table "+d.RenderRelation(tmp))
		return err
	})
	a.settle(rel, adapters.KindView, err)
	if err != nil {
		return res, err
	}
	return adapters.RunResult{Message: "OK", RowsAffected: rows}, nil
}

// copyError adds what to do to DuckDB's refusal to write into a
// directory that holds files already (partition_by on a second run).
func copyError(err error) error {
	if strings.Contains(err.Error(), "is not empty") && strings.Contains(err.Error(), "OVERWRITE") {
		return &adapters.HintError{Err: err, Hint: "set options: {overwrite: true} on the model to replace the directory's files each run, or overwrite_or_ignore: true to keep files COPY does not rewrite, as with dbt-duckdb"}
	}
	return err
}

// isLocalPath reports whether a location is a file on this machine rather
// than a URL (s3://, https://...).
func isLocalPath(loc string) bool {
	return !strings.Contains(loc, "://")
}

// localPath resolves a relative path against the working directory elt
// was started in, as DuckDB (and so dbt-duckdb) resolves it against the
// process's.
func (a *Adapter) localPath(p string) string {
	if filepath.IsAbs(p) || a.cfg.WorkDir == "" {
		return p
	}
	return filepath.Join(a.cfg.WorkDir, p)
}

// remoteExtensions are the extensions DuckDB reads and writes URLs of
// these schemes with.
var remoteExtensions = map[string]string{
	"s3": "httpfs", "s3a": "httpfs", "s3n": "httpfs", "r2": "httpfs", "gcs": "httpfs", "gs": "httpfs",
	"http": "httpfs", "https": "httpfs", "hf": "httpfs",
	"az": "azure", "azure": "azure", "abfss": "azure",
}

// checkRemote refuses a URL location whose extension is not loaded, with
// what to do: elt never downloads an extension at run time.
func (a *Adapter) checkRemote(ctx context.Context, loc, what string) error {
	scheme, _, ok := strings.Cut(loc, "://")
	if !ok {
		return nil
	}
	scheme = strings.ToLower(strings.TrimLeft(scheme, "'"))
	ext, known := remoteExtensions[scheme]
	if !known {
		return fmt.Errorf("elt cannot %s %s: DuckDB has no built-in support for %s:// locations; use a local path", what, loc, scheme)
	}
	loaded, err := a.extensionLoaded(ctx, ext)
	if err != nil {
		return err
	}
	if !loaded {
		return fmt.Errorf("elt cannot %s %s: %s:// locations need DuckDB's %s extension, which is not built into elt and not loaded, and elt never downloads extensions; use a local path, or install %s into DuckDB's extension directory (duckdb -c 'install %s') and list it under extensions: in profiles.yml",
			what, loc, scheme, ext, ext, ext)
	}
	return nil
}

func (a *Adapter) extensionLoaded(ctx context.Context, name string) (bool, error) {
	var loaded bool
	err := a.db.QueryRowContext(ctx, "select loaded from duckdb_extensions() where extension_name = ?", name).Scan(&loaded)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return loaded, err
}

var urlPattern = lazyre.New(`[A-Za-z][A-Za-z0-9+.-]*://[^'"\s,)\]]*`)

// CheckLocation refuses a location, or a read_* call naming locations,
// with a URL that needs an extension that is not loaded.
func (a *Adapter) CheckLocation(ctx context.Context, location string) error {
	for _, u := range urlPattern().FindAllString(location, -1) {
		if err := a.checkRemote(ctx, u, "read or write"); err != nil {
			return err
		}
	}
	return nil
}
