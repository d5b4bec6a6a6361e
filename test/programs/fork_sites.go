// fork_sites.go - a Go program's children, neither reaped until it exits.
package main

import (
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

func startHelper() *exec.Cmd {
	cmd := exec.Command("/bin/true")
	if err := cmd.Start(); err != nil { // fork site 1: helper
		panic(err)
	}
	return cmd
}

func main() {
	helper := startHelper()
	fmt.Println("helper", helper.Process.Pid)
	time.Sleep(300 * time.Millisecond) // BUG (on purpose): nobody waits: a zombie
	_ = syscall.Getpid()
}
