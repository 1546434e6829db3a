package schedule

import "syscall"

// setDeathSignal kills the child when the scheduler dies, so that a
// scheduler killed with SIGKILL leaves no command running that nobody
// watches; the restarted scheduler retries the run instead.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
