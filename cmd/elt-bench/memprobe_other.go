//go:build !linux

package main

import (
	"errors"
	"time"
)

func touchFresh(int) (time.Duration, int64, error) {
	return 0, 0, errors.New("the fresh memory probe is Linux only")
}
