// go_threads.go - a Go program with its runtime's threads running before anything else:
// it prints "ready PID", waits for a line on stdin (a test attaches strace -f -p meanwhile),
// then 4 goroutines each run /bin/true 3 times, waiting for each, with 30 ms of work
// between (long enough for the runtime to preempt them: tgkill(PID, TID, SIGURG), after
// a getpid()). Exits once all are done.
package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"
)

func work(d time.Duration) int {
	end := time.Now().Add(d)
	n := 0
	for time.Now().Before(end) {
		n++
	}
	return n
}

func main() {
	fmt.Printf("ready %d\n", os.Getpid())
	bufio.NewReader(os.Stdin).ReadString('\n')
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 3; i++ {
				if err := exec.Command("/bin/true").Run(); err != nil {
					panic(err)
				}
				work(30 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	fmt.Println("done")
}
