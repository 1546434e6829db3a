// Package quality watches the data elt builds: it profiles relations inside
// the warehouse, turns declared quality metrics into values recorded in the
// run history, judges each value against its history (robust z-scores,
// distribution drift, weekday seasonality), scores models and the project,
// and finds trends.
//
// It computes in the warehouse through an adapters.Adapter and keeps
// nothing itself: storage is the history package's. The statistics
// (median/MAD, PSI, Kolmogorov–Smirnov, Theil–Sen, Mann–Kendall) are pure
// functions, tested on their own.
package quality
