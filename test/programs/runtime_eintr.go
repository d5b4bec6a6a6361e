// runtime_eintr.go - a Go program whose children's SIGCHLDs interrupt the Go runtime's own
// sleeps (sysmon's nanosleep): calls the program never sees fail. Four goroutines run
// 50 children each; Run() waits, so no zombie is left.
package main

import (
	"fmt"
	"os/exec"
	"sync"
	"time"
)

func main() {
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if err := exec.Command("/bin/true").Run(); err != nil {
					panic(err)
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	wg.Wait()
	fmt.Println("done")
}
