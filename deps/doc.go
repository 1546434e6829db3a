// Package deps is `elt deps`: it resolves and installs a project's dbt
// packages exactly as `dbt deps` (dbt-core 1.9) does.
//
// It reads packages.yml or dependencies.yml (dbt's rules when both exist),
// renders their values with the two functions dbt allows there (env_var,
// secret variables included, and var from --vars), resolves hub, git,
// local, tarball and private packages together with everything they
// depend on (hub version ranges intersected, the highest matching release
// picked), writes package-lock.yml in dbt's format with dbt's sha1_hash,
// installs exactly what the lock pins while it matches the packages file,
// and edits packages.yml for --add-package.
//
// The hub is dbt's JSON API ({hub}/api/v1/index.json and
// {hub}/api/v1/{namespace}/{name}.json). Downloads and git fetches are
// bounded by the caller's context and by Limits; archives are unpacked
// through an os.Root, so no entry can be written outside the install
// folder. Secret values never reach messages or the lock file: git and
// tarball URLs are shown and locked as written, with env_var unrendered.
//
// It does not load installed packages into a project (package project
// does that), and it never runs a package's code.
package deps
