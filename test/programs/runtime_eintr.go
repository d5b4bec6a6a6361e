// runtime_eintr.go - a Go program whose children's SIGCHLDs interrupt the Go runtime's own
// sleeps and polls (nanosleep, futex, epoll_pwait): calls the program never sees fail.
package main

import (
	"fmt"
	"os/exec"
	"time"
)

func main() {
	for i := 0; i < 60; i++ {
		if err := exec.Command("/bin/true").Run(); err != nil { // Run waits: nothing is left a zombie
			panic(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	fmt.Println("done")
}
