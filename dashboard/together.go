package dashboard

import (
	"errors"
	"sync"
)

// together runs fns at once, each in its own goroutine, and returns their
// errors joined once all have returned. The parts of one answer that do
// not depend on each other (a list's page and its count, a page's texts
// and statuses, a period and the period before it) run this way, so that
// a request waits for its slowest query rather than for the sum of them.
func together(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() { errs[i] = fn() })
	}
	wg.Wait()
	return errors.Join(errs...)
}
