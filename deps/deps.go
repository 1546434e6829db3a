package deps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/elt-dev/elt/internal/diag"
	"github.com/elt-dev/elt/internal/secrets"
)

// Options configure one `elt deps`.
type Options struct {
	ProjectRoot string // absolute folder holding dbt_project.yml
	DBTVersion  string // the dbt-core version elt follows, for require-dbt-version
	HubURL      string // DBT_PACKAGE_HUB_URL, or "" for dbt's hub
	// Env looks up environment variables for env_var() in packages.yml.
	Env  func(string) (string, bool)
	Vars map[string]any // --vars, for var() in packages.yml

	Upgrade        bool   // re-resolve even when the lock file matches
	LockOnly       bool   // write package-lock.yml, install nothing
	AddPackage     string // NAME@VERSION to add to packages.yml first
	Source         string // hub (default), git or local, for AddPackage
	NoVersionCheck bool   // install packages whatever require-dbt-version says

	HTTPClient   *http.Client  // default: 30-second timeouts
	Retries      int           // retries of a failed connection (default 0 here; the CLI passes dbt's)
	RetryBackoff time.Duration // pause between retries
	Limits       Limits

	// Report receives progress, in dbt's words and event names.
	Report func(Event)
}

// Event is one line of progress.
type Event struct {
	Level string // info, warn or debug
	Name  string // dbt's event name, e.g. DepsStartPackageInstall
	Msg   string
	Data  map[string]any
}

// Installed is one package that was installed.
type Installed struct {
	Name    string // folder name under the install path
	Source  string // hub, git, local, tarball or private
	Version string // hub version, git commit, or "" for local and tarball
	Path    string // absolute install folder
}

// Result says what a run did.
type Result struct {
	LockWritten bool
	Installed   []Installed
	Updates     []string // hub packages with a newer release than installed
}

// InstallError is a failure to fetch or install a package (exit code 1);
// problems in the user's files are diag errors (exit code 2).
type InstallError struct {
	Package string
	Err     error
}

func (e *InstallError) Error() string {
	if e.Package == "" {
		return e.Err.Error()
	}
	return fmt.Sprintf("%s: %v", e.Package, e.Err)
}
func (e *InstallError) Unwrap() error { return e.Err }

// installer is one run's state.
type installer struct {
	opts     Options
	limits   Limits
	root     *packageProject
	rnd      *renderer
	secrets  *secrets.Set
	hub      *hubClient
	tmp      string // downloads and checkouts, removed at the end
	checkout map[string]*gitCheckout
	tarballs map[string]string // URL → unpacked package folder
	meta     map[string]*metadata
}

func (in *installer) event(level, name, msg string, data map[string]any) {
	if in.opts.Report != nil {
		in.opts.Report(Event{Level: level, Name: name, Msg: in.secrets.Scrub(msg), Data: data})
	}
}

// Run resolves and installs the project's packages as `dbt deps` does.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if opts.Env == nil {
		opts.Env = os.LookupEnv
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = time.Second
	}
	if opts.DBTVersion == "" {
		return nil, errors.New("deps: Options.DBTVersion is required")
	}
	sec := secrets.FromEnviron(os.Environ())
	in := &installer{
		opts: opts, limits: opts.Limits.withDefaults(), secrets: sec,
		rnd:      &renderer{env: opts.Env, vars: opts.Vars, secrets: sec},
		hub:      newHubClient(opts.HubURL, opts.HTTPClient, opts.Retries, opts.RetryBackoff),
		checkout: map[string]*gitCheckout{}, tarballs: map[string]string{}, meta: map[string]*metadata{},
	}
	root, err := readProject(dirReader(opts.ProjectRoot), projectFile)
	if err != nil {
		return nil, err
	}
	in.root = root
	tmp, err := os.MkdirTemp("", "elt-deps-")
	if err != nil {
		return nil, err
	}
	in.tmp = tmp
	defer os.RemoveAll(tmp)
	return in.run(ctx)
}

func (in *installer) run(ctx context.Context) (*Result, error) {
	res := &Result{}
	if in.opts.AddPackage != "" {
		if err := in.addPackage(); err != nil {
			return nil, err
		}
	}
	reqs, specFile, err := packagesSpec(dirReader(in.opts.ProjectRoot), "", Origin{}, in.rnd)
	if err != nil {
		return nil, err
	}
	lockPath := filepath.Join(in.opts.ProjectRoot, lockFile)
	if len(reqs) == 0 {
		in.event("info", "DepsNoPackagesFound", "Warning: No packages were found in "+specFile, nil)
		if in.opts.LockOnly {
			return res, nil
		}
		return res, in.resetInstallDir()
	}
	hash := packagesHash(reqs)
	relock := in.opts.Upgrade
	if !relock {
		prev, err := readLockHash(lockPath)
		if err != nil {
			return nil, err
		}
		relock = prev != hash
	}
	if relock {
		pinned, err := in.resolve(ctx, reqs)
		if err != nil {
			return nil, err
		}
		if err := in.writeLock(lockPath, pinned, hash); err != nil {
			return nil, err
		}
		res.LockWritten = true
		in.event("info", "DepsLockUpdating", "Updating lock file in file path: "+lockPath, map[string]any{"lock_filepath": lockPath})
	}
	if in.opts.LockOnly {
		return res, nil
	}
	locked, err := in.readLock(lockPath)
	if err != nil {
		return nil, err
	}
	if err := in.resetInstallDir(); err != nil {
		return nil, err
	}
	if err := in.installAll(ctx, locked, res); err != nil {
		return res, err
	}
	return res, nil
}

// installDir is the absolute packages-install-path, refused when it is not
// strictly inside the project (it is deleted and rebuilt on every run).
func (in *installer) installDir() (string, error) {
	p := in.root.installPath
	if p == "" {
		p = "dbt_packages"
	}
	abs := p
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(in.opts.ProjectRoot, p)
	}
	abs = filepath.Clean(abs)
	rel, err := filepath.Rel(in.opts.ProjectRoot, abs)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", diag.Errorf(projectFile, in.root.installPos, "use a folder inside the project, such as dbt_packages",
			"packages-install-path %q is not a folder inside the project: elt deletes and rebuilds it on every run", p)
	}
	return abs, nil
}

func (in *installer) resetInstallDir() error {
	dir, err := in.installDir()
	if err != nil {
		return err
	}
	if st, err := os.Lstat(dir); err == nil && st.Mode()&os.ModeSymlink != 0 {
		return diag.Errorf(projectFile, in.root.installPos, "make it a plain folder", "packages-install-path %s is a symbolic link; elt will not delete through it", dir)
	}
	if err := os.RemoveAll(dir); err != nil {
		return &InstallError{Err: fmt.Errorf("clear %s: %w", dir, err)}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &InstallError{Err: err}
	}
	return nil
}
