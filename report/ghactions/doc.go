// Package ghactions prints problems as GitHub Actions workflow commands
// (::error file=...,line=...::message), which GitHub shows as annotations on
// the pull request's files. It formats and escapes; callers decide what to
// annotate and where to write (stdout, which the runner reads).
package ghactions
