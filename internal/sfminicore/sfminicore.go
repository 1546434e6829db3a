// Package sfminicore keeps the Snowflake driver from loading its native
// "minicore" library. On every start, in its package init, gosnowflake
// writes that library to a new temporary directory and loads it, which
// writes outside the target path on every command, leaves the
// directories behind and costs start-up time; the driver works without
// it. Its documented switch is SF_DISABLE_MINICORE=true (or the
// minicore_disabled build tag, which go install cannot be given).
//
// Importing this package sets the variable, unless it is set already,
// before gosnowflake's init reads it: Go initializes packages in import
// path order among those whose imports are done, and this package imports
// only os and sorts before github.com/snowflakedb/gosnowflake.
package sfminicore

import "os"

// Env is the variable gosnowflake reads.
const Env = "SF_DISABLE_MINICORE"

func init() {
	if _, set := os.LookupEnv(Env); !set {
		_ = os.Setenv(Env, "true")
	}
}
