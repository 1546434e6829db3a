// Package project finds and loads a dbt-format project folder: dbt_project.yml,
// profiles.yml, properties YAML, docs blocks and the model, seed, snapshot,
// test and macro files on disk. Every value keeps the file and position it
// came from, and Load reports all problems it finds at once as a *diag.Errors.
//
// It renders only the Jinja dbt itself renders while loading (env_var, var
// and target in dbt_project.yml, profiles.yml and properties YAML values),
// with package jinja and natively as dbt does (`| as_number` gives a
// number). It does not know SQL, does not render models or macros (package compiler does) and
// never opens a warehouse connection.
//
// With Options.FileCache, Load keeps what it read from each file (contents,
// checksums, parsed properties YAML) in the target directory and reuses it
// while the file's stat is unchanged, so that a later Load opens and parses
// only the files that changed (FileCache).
//
// Load works on every core where the work is independent: walking the
// resource folders, reading files and decoding their YAML, patching the
// entries of a properties section and building each node's config. What
// depends on order (finding each entry's node, duplicates, the
// diagnostics and generic tests) is kept in the order of the files and
// entries, so the Project and its problems are those of a Load in turn.
package project
