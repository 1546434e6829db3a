package loaders

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"gopkg.in/yaml.v3"
)

// files lands CSV/TSV, Parquet, JSON and NDJSON files: local paths and
// globs (relative to the project), and http(s) URLs. On DuckDB the
// warehouse reads them itself (read_csv, read_parquet, read_json);
// elsewhere they are streamed in pages.
type files struct {
	paths     []string
	format    string
	delimiter string
	header    bool
	quote     string
	encoding  string
	pageSize  int
	root      string
	opts      *Options
	// Object storage credentials (s3://, gs://): environment variable
	// names, read when the load runs.
	keyID, secret, token func() (string, error)
	region               string
	// storeRejects keeps malformed CSV rows (DuckDB's store_rejects) for
	// the rejected table instead of failing the read; set when the
	// loader allows rejects (max_rejected > 0).
	storeRejects bool
}

const (
	rejectsTableMark = "{elt_rejects_table}"
	rejectsScanMark  = "{elt_rejects_scan}"
)

// nativeRejects names the temporary tables DuckDB's read_csv fills with
// malformed rows for load id, or "" when rejects are not kept.
func (f *files) nativeRejects(loadID string) (table, scans string) {
	if !f.storeRejects || (f.format != "csv" && f.format != "tsv") {
		return "", ""
	}
	return "elt_rejects_" + loadID, "elt_reject_scans_" + loadID
}

func newFiles(o *Options) Connector {
	f := &files{opts: o}
	if n := o.get("path"); n != nil {
		switch n.Kind {
		case yaml.ScalarNode:
			f.paths = []string{n.Value}
		default:
			for _, c := range n.Content {
				f.paths = append(f.paths, c.Value)
			}
		}
	} else {
		o.errAt(nil, "add path: data/orders.csv (a path, glob or http(s) URL)", "the files connector needs a path")
	}
	f.format = o.OneOf("format", "", "csv", "tsv", "parquet", "json", "ndjson")
	if f.format == "" && len(f.paths) > 0 {
		f.format = formatOf(f.paths[0])
		if f.format == "" {
			o.errAt(o.get("path"), "add format: csv, tsv, parquet, json or ndjson", "cannot tell the format of %q from its extension", f.paths[0])
		}
	}
	def := ","
	if f.format == "tsv" {
		def = "\t"
	}
	f.delimiter = o.String("delimiter", def)
	if len([]rune(f.delimiter)) != 1 {
		o.errAt(o.get("delimiter"), `write one character, e.g. delimiter: ";"`, "delimiter must be one character")
	}
	f.header = o.Bool("header", true)
	f.quote = o.String("quote", `"`)
	f.encoding = o.OneOf("encoding", "utf-8", "utf-8", "latin-1", "utf-16")
	if c := o.Sub("credentials"); c != nil {
		f.keyID, f.secret, f.token = c.SecretEnvName("key_id_env"), c.SecretEnvName("secret_env"), c.SecretEnvName("session_token_env")
		f.region = c.String("region", "")
		if f.keyID == nil || f.secret == nil {
			c.errAt(nil, "add key_id_env and secret_env (environment variables holding the keys)", "credentials need key_id_env and secret_env")
		}
	} else {
		// The usual variables, when set.
		f.keyID, f.secret, f.token = optionalEnv(o.env, "AWS_ACCESS_KEY_ID"), optionalEnv(o.env, "AWS_SECRET_ACCESS_KEY"), optionalEnv(o.env, "AWS_SESSION_TOKEN")
		for _, p := range f.paths {
			if strings.HasPrefix(p, "s3://") || strings.HasPrefix(p, "gs://") {
				o.secretName("AWS_ACCESS_KEY_ID")
				o.secretName("AWS_SECRET_ACCESS_KEY")
				o.secretName("AWS_SESSION_TOKEN")
				break
			}
		}
		if v, ok := lookupEnv(o.env, "AWS_REGION"); ok {
			f.region = v
		}
	}
	f.pageSize = o.Int("page_size", 10000)
	if f.pageSize == 0 {
		f.pageSize = 10000
	}
	return f
}

func lookupEnv(env Env, name string) (string, bool) {
	if env == nil {
		return "", false
	}
	return env(name)
}

// optionalEnv reads name when the load runs; unset is "".
func optionalEnv(env Env, name string) func() (string, error) {
	return func() (string, error) {
		v, _ := lookupEnv(env, name)
		return v, nil
	}
}

// NativeSetup returns the statements DuckDB needs before reading the
// files: a temporary secret for s3:// or gs:// paths, from environment
// variables (never written in the project). They hold secrets: they are
// run, never logged.
func (f *files) NativeSetup() ([]string, error) {
	var out []string
	for _, scheme := range []string{"s3", "gs"} {
		used := false
		for _, p := range f.paths {
			used = used || strings.HasPrefix(p, scheme+"://")
		}
		if !used || f.keyID == nil {
			continue
		}
		id, err := f.keyID()
		if err != nil {
			return nil, err
		}
		sec, err := f.secret()
		if err != nil {
			return nil, err
		}
		if id == "" || sec == "" {
			continue // DuckDB's own credential chain, if any
		}
		typ := map[string]string{"s3": "S3", "gs": "GCS"}[scheme]
		parts := []string{"TYPE " + typ, "KEY_ID " + lit(id), "SECRET " + lit(sec)}
		if f.token != nil {
			if tok, err := f.token(); err != nil {
				return nil, err
			} else if tok != "" {
				parts = append(parts, "SESSION_TOKEN "+lit(tok))
			}
		}
		if f.region != "" {
			parts = append(parts, "REGION "+lit(f.region))
		}
		out = append(out, fmt.Sprintf("create or replace temporary secret elt_loader_%s (%s)", scheme, strings.Join(parts, ", ")))
	}
	return out, nil
}

func formatOf(p string) string {
	p = strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(p, ".gz"), ".zst"))
	switch filepath.Ext(p) {
	case ".csv":
		return "csv"
	case ".tsv", ".tab":
		return "tsv"
	case ".parquet":
		return "parquet"
	case ".json":
		return "json"
	case ".ndjson", ".jsonl":
		return "ndjson"
	}
	return ""
}

func (f *files) CursorField() string { return "" }
func (f *files) Resumable() bool     { return false }

// SetRoot resolves relative paths against the project folder.
func (f *files) SetRoot(root string) { f.root = root }

func isURL(p string) bool {
	return strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://")
}

// resolve expands globs and fetches URLs into temporary files.
func (f *files) resolve(ctx context.Context) (paths []string, cleanup func(), err error) {
	var tmp []string
	cleanup = func() {
		for _, t := range tmp {
			_ = os.Remove(t)
		}
	}
	for _, p := range f.paths {
		if isURL(p) {
			t, err := download(ctx, p)
			if err != nil {
				cleanup()
				return nil, nil, err
			}
			tmp = append(tmp, t)
			paths = append(paths, t)
			continue
		}
		if strings.HasPrefix(p, "s3://") || strings.HasPrefix(p, "gs://") {
			paths = append(paths, p)
			continue
		}
		full := p
		if !filepath.IsAbs(full) && f.root != "" {
			full = filepath.Join(f.root, p)
		}
		m, err := filepath.Glob(full)
		if err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("path %q: %w", p, err)
		}
		if len(m) == 0 {
			cleanup()
			return nil, nil, fmt.Errorf("path %q matches no file", p)
		}
		sort.Strings(m)
		paths = append(paths, m...)
	}
	return paths, cleanup, nil
}

func download(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("download %s: %s", url, resp.Status)
	}
	ext := filepath.Ext(strings.SplitN(url, "?", 2)[0])
	t, err := os.CreateTemp("", "elt-load-*"+ext)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(t, resp.Body); err != nil {
		t.Close()
		os.Remove(t.Name())
		return "", fmt.Errorf("download %s: %w", url, err)
	}
	return t.Name(), t.Close()
}

// NativeSQL is DuckDB's reader over the files.
func (f *files) NativeSQL(ctx context.Context, targetType string) (string, bool, func(), error) {
	if targetType != "duckdb" {
		return "", false, nil, nil
	}
	if f.storeRejects && (f.format == "json" || f.format == "ndjson") {
		// read_json cannot keep the lines it fails on: stream them
		// through the Appender instead, rejecting line by line.
		return "", false, nil, nil
	}
	paths, cleanup, err := f.resolve(ctx)
	if err != nil {
		return "", false, nil, err
	}
	list := make([]string, len(paths))
	for i, p := range paths {
		list[i] = lit(p)
	}
	arg := "[" + strings.Join(list, ", ") + "]"
	var expr string
	switch f.format {
	case "csv", "tsv":
		enc := map[string]string{"utf-8": "utf-8", "latin-1": "latin-1", "utf-16": "utf-16"}[f.encoding]
		expr = fmt.Sprintf("read_csv(%s, delim = %s, header = %t, quote = %s, encoding = %s", arg, lit(f.delimiter), f.header, lit(f.quote), lit(enc))
		if f.storeRejects {
			// The engine names the tables per load (see nativeRejects).
			expr += ", store_rejects = true, rejects_table = '" + rejectsTableMark + "', rejects_scan = '" + rejectsScanMark + "'"
		}
		expr += ")"
	case "parquet":
		expr = fmt.Sprintf("read_parquet(%s)", arg)
	case "json":
		expr = fmt.Sprintf("read_json(%s, format = 'array')", arg)
	case "ndjson":
		expr = fmt.Sprintf("read_json(%s, format = 'newline_delimited')", arg)
	}
	return expr, true, cleanup, nil
}

// Extract streams the files in pages (targets without a native reader).
func (f *files) Extract(ctx context.Context, st State, emit func(Page) error) error {
	paths, cleanup, err := f.resolve(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	for _, p := range paths {
		if strings.Contains(p, "://") {
			return fmt.Errorf("%s: object storage paths need a DuckDB target", p)
		}
	}
	if f.format == "parquet" {
		return f.extractParquet(ctx, paths, emit)
	}
	for _, p := range paths {
		if err := f.extractFile(ctx, p, emit); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}

func (f *files) reader(r io.Reader) io.Reader {
	switch f.encoding {
	case "latin-1":
		return charmap.ISO8859_1.NewDecoder().Reader(r)
	case "utf-16":
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder().Reader(r)
	}
	return r
}

func (f *files) extractFile(ctx context.Context, path string, emit func(Page) error) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	r := f.reader(bufio.NewReaderSize(fh, 1<<20))
	switch f.format {
	case "csv", "tsv":
		return f.extractCSV(ctx, r, emit)
	case "ndjson":
		return f.extractNDJSON(ctx, r, emit)
	case "json":
		return f.extractJSON(ctx, r, emit)
	}
	return fmt.Errorf("format %s needs a DuckDB target", f.format)
}

func (f *files) extractCSV(ctx context.Context, r io.Reader, emit func(Page) error) error {
	cr := csv.NewReader(r)
	cr.Comma = []rune(f.delimiter)[0]
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.LazyQuotes = f.quote == ""
	var header []string
	page := Page{Untyped: true}
	line := 0
	for {
		rec, err := cr.Read()
		line++
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				page.Rejects = append(page.Rejects, Reject{Reason: pe.Error(), Raw: strings.Join(rec, f.delimiter)})
				continue
			}
			return err
		}
		if header == nil {
			header = make([]string, len(rec))
			if f.header {
				copy(header, rec)
				page.Columns = header
				continue
			}
			for i := range rec {
				header[i] = fmt.Sprintf("column%d", i)
			}
			page.Columns = header
		}
		if len(rec) != len(header) {
			page.Rejects = append(page.Rejects, Reject{Reason: fmt.Sprintf("line %d: %d fields, the header has %d", line, len(rec), len(header)), Raw: strings.Join(rec, f.delimiter)})
			continue
		}
		m := make(Record, len(rec))
		for i, v := range rec {
			m[header[i]] = v
		}
		page.Records = append(page.Records, m)
		if len(page.Records) >= f.pageSize {
			if err := emit(page); err != nil {
				return err
			}
			page = Page{Untyped: true, Columns: header}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if len(page.Records) > 0 || len(page.Rejects) > 0 {
		return emit(page)
	}
	return nil
}

func (f *files) extractNDJSON(ctx context.Context, r io.Reader, emit func(Page) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var page Page
	for sc.Scan() {
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			page.Rejects = append(page.Rejects, Reject{Reason: "not a JSON object: " + err.Error(), Raw: string(b)})
			continue
		}
		page.Records = append(page.Records, m)
		if len(page.Records) >= f.pageSize {
			if err := emit(page); err != nil {
				return err
			}
			page = Page{}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(page.Records) > 0 || len(page.Rejects) > 0 {
		return emit(page)
	}
	return nil
}

func (f *files) extractJSON(ctx context.Context, r io.Reader, emit func(Page) error) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return errors.New("a json file must hold an array of objects (use format: ndjson for one object per line)")
	}
	var page Page
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		var m map[string]any
		d2 := json.NewDecoder(strings.NewReader(string(raw)))
		d2.UseNumber()
		if err := d2.Decode(&m); err != nil {
			page.Rejects = append(page.Rejects, Reject{Reason: "not a JSON object", Raw: string(raw)})
			continue
		}
		page.Records = append(page.Records, m)
		if len(page.Records) >= f.pageSize {
			if err := emit(page); err != nil {
				return err
			}
			page = Page{}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if len(page.Records) > 0 || len(page.Rejects) > 0 {
		return emit(page)
	}
	return nil
}
