package dashboard

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"sync"
)

// Hot spots compare each commune × topic cell's last 24 h with the seven
// days before (hotspots.sql). Those 8 days of the hourly roll-up are the
// same for every filter with the same reference time: about 8,000
// commune × topic × channel combinations for Hà Tĩnh, read by every hot
// spot request whatever its communes, topic or channel. With snapshots on,
// the dashboard keeps them per reference time (the end of the period, or
// the next full hour) until feedback_hourly changes, and sums a request's
// cells in Go; and it keeps each cell's drivers (the ids of its most
// negative feedback) until feedback_index changes.
//
// A reference time is kept from its second request on, and only while it
// is asked more than others (hotRefs): most custom periods end on a day
// nobody asks again, and would push out the ones in use (the current
// hour, the official periods' ends).

// hotDays is the days of hot spot data before the reference time: the
// last 24 h and the 7 days of the baseline.
const hotDays = 8

// hotEntry is one commune, topic and channel's feedback (r) and negative
// feedback (n) in each window of 24 h before the reference time (w = 0:
// the last 24 h).
type hotEntry struct {
	commune, topic, channel uint16 // indexes into hotWindows' lists
	r, n                    [hotDays]uint32
}

// hotWindows is hotspot_windows.sql's answer for one reference time,
// sorted by commune and topic.
type hotWindows struct {
	entries  []hotEntry
	communes communeIndex
	topics   communeIndex // numbers topics the way communeIndex numbers communes
	channels communeIndex
}

// hotCell is one commune × topic cell's figures: hotspots.sql's row.
type hotCell struct {
	commune, topic                           string
	recent, recentNeg, base, baseSq, baseNeg uint64
}

// cells sums hw's entries per commune × topic for the communes in list
// (all of them unless restricted), topic and channel ("" for any), as
// hotspots.sql does: cells with feedback in the last 24 h, most recent
// feedback first, ties by commune and topic.
func (hw *hotWindows) cells(list []string, restricted bool, topic, channel string) []hotCell {
	allowed := hw.communes.allowed(list, restricted)
	wantTopic, okTopic := hw.topics.want(topic)
	wantChannel, okChannel := hw.channels.want(channel)
	if !okTopic || !okChannel {
		return nil
	}
	var out []hotCell
	var r, n [hotDays]uint64
	cur := -1 // index of the first entry of the cell being summed
	flush := func() {
		if cur < 0 {
			return
		}
		c := hotCell{commune: hw.communes.codes[hw.entries[cur].commune], topic: hw.topics.codes[hw.entries[cur].topic],
			recent: r[0], recentNeg: n[0]}
		for w := 1; w < hotDays; w++ {
			c.base += r[w]
			c.baseSq += r[w] * r[w]
			c.baseNeg += n[w]
		}
		if c.recent > 0 {
			out = append(out, c)
		}
		r, n, cur = [hotDays]uint64{}, [hotDays]uint64{}, -1
	}
	for i := range hw.entries {
		e := &hw.entries[i]
		if allowed != nil && !allowed[e.commune] || wantTopic >= 0 && int(e.topic) != wantTopic ||
			wantChannel >= 0 && int(e.channel) != wantChannel {
			continue
		}
		if cur >= 0 && (hw.entries[cur].commune != e.commune || hw.entries[cur].topic != e.topic) {
			flush()
		}
		if cur < 0 {
			cur = i
		}
		for w := range hotDays {
			r[w] += uint64(e.r[w])
			n[w] += uint64(e.n[w])
		}
	}
	flush()
	sort.SliceStable(out, func(i, j int) bool {
		a, b := &out[i], &out[j]
		if a.recent != b.recent {
			return a.recent > b.recent
		}
		if a.commune != b.commune {
			return a.commune < b.commune
		}
		return a.topic < b.topic
	})
	return out
}

// loadHotWindows reads hotspot_windows.sql for reference time ref (Unix
// seconds).
func (s *Server) loadHotWindows(ctx context.Context, ref uint32) (*hotWindows, error) {
	rows, done, err := s.openRows(ctx, "hotspot_windows", ref, ref-hotDays*86400, ref)
	if err != nil {
		return nil, err
	}
	defer done()
	hw := &hotWindows{}
	var commune, topic, channel string
	var r, n [hotDays]uint64
	dest := []any{&commune, &topic, &channel}
	for w := range hotDays {
		dest = append(dest, &r[w], &n[w])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("query hotspot_windows: scan: %w", err)
		}
		var e hotEntry
		if e.commune, err = hw.communes.id(commune); err == nil {
			if e.topic, err = hw.topics.id(topic); err == nil {
				e.channel, err = hw.channels.id(channel)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("query hotspot_windows: %w", err)
		}
		for w := range hotDays {
			if r[w] > math.MaxUint32 {
				return nil, fmt.Errorf("query hotspot_windows: %d feedback in one day of %s|%s|%s does not fit", r[w], commune, topic, channel)
			}
			e.r[w], e.n[w] = uint32(r[w]), uint32(n[w])
		}
		hw.entries = append(hw.entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query hotspot_windows: %w", err)
	}
	hw.sortEntries()
	return hw, nil
}

// sortEntries puts each commune × topic's entries next to each other, as
// cells needs them.
func (hw *hotWindows) sortEntries() {
	sort.Slice(hw.entries, func(i, j int) bool {
		a, b := &hw.entries[i], &hw.entries[j]
		if a.commune != b.commune {
			return a.commune < b.commune
		}
		return a.topic < b.topic
	})
}

// hotRefs keeps hotWindows per reference time under one version of
// feedback_hourly: at most hotRefsKept of them (~0.6 MB each for Hà
// Tĩnh). Which ones is decided by how often each reference time is asked
// (counts kept across versions, halved every hotRefsAging requests): a
// reference time is loaded from its second request on, and when all
// places are taken only if it was asked more often than the least asked
// one kept, which then goes. Rarely asked times (most custom periods'
// ends) are answered for their filter only and push nothing out.
type hotRefs struct {
	mu      sync.Mutex
	version string
	kept    map[uint32]*sharedLoad[*hotWindows] // under version
	asks    map[uint32]uint32
	since   int // requests since asks was last halved
}

const (
	hotRefsKept  = 48
	hotRefsAging = 2000
	hotRefsAsked = 4096 // reference times counted at most
)

// get returns the windows before ref under version, with load when they
// are not kept yet; nil (and no error) when ref is not to be kept (see
// hotRefs), which the caller answers from ClickHouse for its filter only.
func (c *hotRefs) get(ctx context.Context, ref uint32, version string, load func(context.Context) (*hotWindows, error)) (*hotWindows, error) {
	c.mu.Lock()
	if c.version != version || c.kept == nil {
		c.version, c.kept = version, map[uint32]*sharedLoad[*hotWindows]{}
	}
	c.count(ref)
	if e := c.kept[ref]; e != nil {
		c.mu.Unlock()
		return e.wait(ctx)
	}
	if c.asks[ref] < 2 || !c.makeRoom(ref) {
		c.mu.Unlock()
		return nil, nil
	}
	e := newSharedLoad[*hotWindows]()
	kept := c.kept
	kept[ref] = e
	c.mu.Unlock()
	return e.run(ctx, load, func() {
		c.mu.Lock()
		if kept[ref] == e {
			delete(kept, ref)
		}
		c.mu.Unlock()
	})
}

// count counts a request for ref. c.mu is held.
func (c *hotRefs) count(ref uint32) {
	if c.asks == nil {
		c.asks = map[uint32]uint32{}
	}
	if c.since++; c.since >= hotRefsAging {
		c.since = 0
		for k, n := range c.asks {
			if n /= 2; n == 0 {
				delete(c.asks, k)
			} else {
				c.asks[k] = n
			}
		}
	}
	if _, ok := c.asks[ref]; !ok && len(c.asks) >= hotRefsAsked {
		clear(c.asks)
	}
	c.asks[ref]++
}

// makeRoom reports whether ref may be kept, pushing out the least asked
// reference time when all places are taken and ref was asked more often.
// c.mu is held.
func (c *hotRefs) makeRoom(ref uint32) bool {
	if len(c.kept) < hotRefsKept {
		return true
	}
	var victim uint32
	least := uint32(math.MaxUint32)
	for k := range c.kept {
		if n := c.asks[k]; n < least {
			victim, least = k, n
		}
	}
	if least >= c.asks[ref] {
		return false
	}
	delete(c.kept, victim)
	return true
}

// hotCells returns the cells of f and sc in the 8 days before ref (Unix
// seconds): from the kept windows when snapshots are on and ref was asked
// before, otherwise from hotspots.sql for this filter.
func (s *Server) hotCells(ctx context.Context, f Filter, sc Scope, ref uint32) ([]hotCell, error) {
	if s.snapshots != nil {
		versions, err := s.tableVersions(ctx)
		if err != nil {
			return nil, fmt.Errorf("hot spots: table versions: %w", err)
		}
		hw, err := s.hotRefs.get(ctx, ref, versions["feedback_hourly"], func(ctx context.Context) (*hotWindows, error) {
			return s.loadHotWindows(ctx, ref)
		})
		if err != nil {
			return nil, err
		}
		if hw == nil && ref%3600 == 0 {
			// A reference time not kept (a whole hour, as hotspots gives
			// them): from the list rows in memory when they are current
			// (keptlist.go).
			l, ok, err := s.keptList(ctx)
			if err != nil {
				return nil, err
			}
			if ok {
				hw = l.hotWindows(ref)
			}
		}
		if hw != nil {
			list, restricted := f.communes(sc)
			return hw.cells(list, restricted, f.Topic, f.Channel), nil
		}
	}
	w := cond(f, sc, tHourly)
	args := append([]any{ref, ref - hotDays*86400, ref}, w.args...)
	var out []hotCell
	err := s.query(ctx, "hotspots", map[string]string{"where": w.String()}, args, func(row scanner) error {
		var c hotCell
		if err := row.Scan(&c.commune, &c.topic, &c.recent, &c.recentNeg, &c.base, &c.baseSq, &c.baseNeg); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// hotDrivers keeps the ids hotspot_drivers.sql gives each cell (per
// reference time and commune|topic) under one version of feedback_index:
// a cell's drivers depend on nothing else, not on the request's filter or
// scope (a cell outside the scope is never asked for). At most
// hotDriversKept cells; past that it starts afresh.
type hotDrivers struct {
	mu      sync.Mutex
	version string
	cells   map[string][]rowKey
}

const hotDriversKept = 20000

// driverKey is the hotDrivers key of cell (commune|topic) at ref.
func driverKey(ref uint32, cell string) string {
	return strconv.FormatUint(uint64(ref), 10) + "|" + cell
}

// lookup returns the kept ids of the cells at ref under version, and the
// cells it does not know.
func (c *hotDrivers) lookup(version string, ref uint32, cells []string) (map[string][]rowKey, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		c.version, c.cells = version, map[string][]rowKey{}
	}
	got := map[string][]rowKey{}
	var missing []string
	for _, cell := range cells {
		if ids, ok := c.cells[driverKey(ref, cell)]; ok {
			got[cell] = ids
		} else {
			missing = append(missing, cell)
		}
	}
	return got, missing
}

// store keeps ids per cell at ref, read under version.
func (c *hotDrivers) store(version string, ref uint32, ids map[string][]rowKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		return
	}
	if len(c.cells)+len(ids) > hotDriversKept {
		clear(c.cells)
	}
	for cell, k := range ids {
		c.cells[driverKey(ref, cell)] = k
	}
}
