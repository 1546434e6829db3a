//go:build !unix

package mapfile

import "os"

func mapString(*os.File, int64) (string, bool) { return "", false }
