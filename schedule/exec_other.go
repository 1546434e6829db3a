//go:build unix && !linux

package schedule

import "syscall"

func setDeathSignal(*syscall.SysProcAttr) {}
