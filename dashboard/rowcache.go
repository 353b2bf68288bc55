package dashboard

import "sync"

// rowCacheCases is how many cases the row cache holds: about 50 MB of
// texts and labels, the rows of 2,000 pages.
const rowCacheCases = 100_000

// rowCache keeps the list rows of feedback cases (what listRows reads from
// feedback_timeline, or from events for old rows: texts, sentiment and the
// case's status) for one version of those tables. Lists over different
// filters page through the same cases — the newest of a period, the most
// negative, a hot spot's drivers — and each case costs ClickHouse 18.16
// a key lookup (~30 µs of index work per case and part, whatever it
// reads), so a page whose cases were all shown before needs no query.
//
// Like the result cache, an entry is only served while the tables'
// version (see tableVersions) is the one it was read under: any insert
// into feedback_timeline or events empties the cache, so a row is never
// more than Config.VersionReuse older than the tables. It holds at most
// max cases; when full it starts again empty (a page's rows are cheap to
// read again, and the cases in use come back first).
//
// It is safe for concurrent use. A nil *rowCache keeps nothing.
type rowCache struct {
	max int

	mu      sync.Mutex
	version string
	cases   map[string][]cachedItem
}

// cachedItem is one feedback.received event of a case, as listRows
// returns it.
type cachedItem struct {
	eid  string
	item ListItem
}

func newRowCache(max int) *rowCache {
	if max <= 0 {
		return nil
	}
	return &rowCache{max: max, cases: map[string][]cachedItem{}}
}

// lookup copies into got the kept rows of each of ids, when they were read
// under version, and returns the ids it does not hold.
func (c *rowCache) lookup(version string, ids []string, got map[rowKey]ListItem) (missing []string) {
	if c == nil {
		return ids
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		return ids
	}
	for _, id := range ids {
		items, ok := c.cases[id]
		if !ok {
			missing = append(missing, id)
			continue
		}
		for _, x := range items {
			got[rowKey{id, x.eid}] = x.item
		}
	}
	return missing
}

// store keeps the rows read under version, case by case, in place of
// those of any other version. Only cases that were found are kept, so a case that appears later is
// read again.
func (c *rowCache) store(version string, rows map[rowKey]ListItem) {
	if c == nil || len(rows) == 0 {
		return
	}
	byCase := map[string][]cachedItem{}
	for k, x := range rows {
		byCase[k.id] = append(byCase[k.id], cachedItem{eid: k.eid, item: x})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		// Lookups only ever ask for the version read last, so rows stored
		// late under an older one are never served: they only empty the
		// cache once more.
		c.version = version
		c.cases = map[string][]cachedItem{}
	}
	if len(c.cases)+len(byCase) > c.max {
		c.cases = map[string][]cachedItem{}
	}
	for id, items := range byCase {
		c.cases[id] = items
	}
}
