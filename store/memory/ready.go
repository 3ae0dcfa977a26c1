package memory

import (
	"container/heap"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// readyQueue holds the queued deliveries that are not leased, ordered by
// NextAttemptAt and then ID, so a claim reads only the deliveries it
// returns instead of the whole backlog. Leased deliveries wait in leased
// until they are recorded, released, or their lease ends.
type readyQueue struct {
	items  []*readyEntry
	pos    map[string]*readyEntry // by delivery id
	leased map[string]*store.Delivery
}

// readyEntry is a delivery with its index in readyQueue.items, so moving
// it in the heap costs no map update.
type readyEntry struct {
	d     *store.Delivery
	index int
}

func newReadyQueue() *readyQueue {
	return &readyQueue{pos: map[string]*readyEntry{}, leased: map[string]*store.Delivery{}}
}

func (q *readyQueue) Len() int { return len(q.items) }

func (q *readyQueue) Less(i, j int) bool {
	a, b := q.items[i].d, q.items[j].d
	if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
		return c < 0
	}

	return a.ID < b.ID
}

func (q *readyQueue) Swap(i, j int) {
	q.items[i], q.items[j] = q.items[j], q.items[i]
	q.items[i].index = i
	q.items[j].index = j
}

func (q *readyQueue) Push(x any) {
	e := x.(*readyEntry)
	e.index = len(q.items)
	q.items = append(q.items, e)
	q.pos[e.d.ID] = e
}

func (q *readyQueue) Pop() any {
	last := q.items[len(q.items)-1]
	q.items[len(q.items)-1] = nil
	q.items = q.items[:len(q.items)-1]
	delete(q.pos, last.d.ID)

	return last
}

// add puts a queued, unleased delivery in order.
func (q *readyQueue) add(d *store.Delivery) {
	q.remove(d.ID)
	heap.Push(q, &readyEntry{d: d})
}

// remove drops a delivery from the queue, wherever it is.
func (q *readyQueue) remove(id string) {
	if e, ok := q.pos[id]; ok {
		heap.Remove(q, e.index)
	}
	delete(q.leased, id)
}

// lease moves a claimed delivery out of the ready order.
func (q *readyQueue) lease(d *store.Delivery) {
	q.remove(d.ID)
	q.leased[d.ID] = d
}

// expire returns deliveries whose lease ended at or before now to the
// ready order.
func (q *readyQueue) expire(now time.Time) {
	for _, d := range q.leased {
		if !d.LeaseUntil.After(now) {
			q.add(d)
		}
	}
}

// popDue removes and returns the oldest delivery due at now, or nil.
func (q *readyQueue) popDue(now time.Time) *store.Delivery {
	if len(q.items) == 0 || q.items[0].d.NextAttemptAt.After(now) {
		return nil
	}

	return heap.Pop(q).(*readyEntry).d
}
