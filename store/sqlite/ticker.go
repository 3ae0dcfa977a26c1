package sqlite

import (
	"sync"
	"time"
)

// tickerLoop runs a task on a ticker in its own goroutine until stopped.
// The checkpointer and the indexer use one each.
type tickerLoop struct {
	stop chan struct{}
	done sync.WaitGroup
}

// start runs task every interval until end is called. task gets the stop
// channel, so a long task can end early.
func (l *tickerLoop) start(interval time.Duration, task func(stop <-chan struct{})) {
	l.stop = make(chan struct{})
	l.done.Add(1)
	go func() {
		defer l.done.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-tick.C:
			}
			task(l.stop)
		}
	}()
}

// end stops the loop and waits for a running task to return.
func (l *tickerLoop) end() {
	close(l.stop)
	l.done.Wait()
}
