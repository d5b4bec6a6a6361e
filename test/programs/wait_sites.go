// wait_sites.go - a Go program that waits for one child and forgets another.
package main

import (
	"fmt"
	"os/exec"
	"time"
)

func startForgotten() *exec.Cmd {
	cmd := exec.Command("/bin/true")
	if err := cmd.Start(); err != nil { // fork site: forgotten
		panic(err)
	}
	return cmd
}

func runWaited() {
	cmd := exec.Command("/bin/true")
	if err := cmd.Start(); err != nil { // fork site: waited
		panic(err)
	}
	if err := cmd.Wait(); err != nil { // wait site: reaps the waited child only
		panic(err)
	}
}

func main() {
	forgotten := startForgotten()
	time.Sleep(100 * time.Millisecond) // the forgotten child exits first: a zombie from here on
	runWaited()
	fmt.Println("forgotten", forgotten.Process.Pid)
	time.Sleep(200 * time.Millisecond) // BUG (on purpose): forgotten.Wait() is never called
}
