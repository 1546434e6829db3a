//go:build !unix

package schedule

import "os/exec"

func setProcAttrs(*exec.Cmd) {}

func terminate(cmd *exec.Cmd) { kill(cmd) }

func kill(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}

func maxRSS(*exec.Cmd) int64 { return 0 }

func processAlive(int) bool { return true }
