// Package junit writes run results as a JUnit XML report, the format
// GitLab, Jenkins and most CI systems show inline: one testcase per model,
// seed, snapshot, test and unit test, grouped in one testsuite per resource
// type, with failures (failing-row count and compiled SQL path), errors,
// skips and timings.
//
// It only formats what it is given; it does not run anything or read files.
package junit
