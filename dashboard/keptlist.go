package dashboard

import (
	"bytes"
	"cmp"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// The explorer's and the sentiment drivers' list pages from memory.
//
// A list page costs ClickHouse 5–16 ms of CPU when it is found there (the
// page's keys from feedback_index, feedback_scores or feedback_terms, and a
// search's count): on the 10 M-event benchmark, two thirds of the
// dashboard's ClickHouse work. keptList holds every feedback.received row
// of feedback_index with what a list filters and sorts on (20 bytes a row,
// plus its keys), sorted newest first, so that a page is a walk over a
// slice; searches add the rows of each word (postings) read once from
// feedback_terms. The page's wide columns still come from list_rows.sql.
//
// The rows are kept until feedback_index or feedback_terms changes, and
// reloaded in the background (snapshotCache.current): meanwhile, and with
// snapshots off, ClickHouse finds the pages as before, with the same
// answers (TestKeptListMatchesClickHouse).

// listRow is one feedback.received row of feedback_index.
type listRow struct {
	at      uint32  // occurred_at, Unix seconds
	day     uint32  // day, as YYYYMMDD
	topics  uint32  // bit i: topic keptList.topicCodes[i]
	score   float32 // sentiment_score
	commune uint16  // communeIndex
	channel uint8   // keptList.channelCodes
	flags   uint8   // rowUnscored, rowNoTopic
}

const (
	rowUnscored = 1 << iota // sentiment_label = ''
	rowNoTopic              // empty(topics)
	rowNegative             // sentiment_label = 'negative'
)

// keptList is list_index.sql's answer.
type keptList struct {
	// rows in the order "newest": occurred_at DESC, aggregate_id,
	// event_id. A row's place in it is its ordinal.
	rows []listRow
	eids []uuid.UUID
	// aggs holds the rows' aggregate ids one after another: row i's is
	// aggs[aggEnd[i-1]:aggEnd[i]].
	aggs   []byte
	aggEnd []uint32
	// byScore holds the ordinals in the order "score".
	byScore []uint32
	communeIndex
	topicBits    map[string]uint32
	topicCodes   []string // by bit
	channelCodes map[string]uint8
	channelNames []string // by code
	terms        termPostings
}

// keptListTerms bounds the postings kept per list: 16 M ordinals (64 MB).
// A word with more than a quarter of that is not kept; its searches go to
// ClickHouse.
var keptListTerms = 16 << 20

// keptList returns the list rows of the tables' current version; ok is
// false while they load or reload, the first time too (~4 s for 2.6 M
// rows), and with snapshots off (see snapshotCache.background): the
// caller then asks ClickHouse.
func (s *Server) keptList(ctx context.Context) (*keptList, bool, error) {
	if s.snapshots == nil {
		return nil, false, nil
	}
	versions, err := s.tableVersions(ctx)
	if err != nil {
		return nil, false, err
	}
	version := versions["feedback_index"] + "\x00" + versions["feedback_terms"]
	v, ok, err := s.snapshots.background(ctx, "list rows", version, func(ctx context.Context) (any, error) {
		l, err := s.loadKeptList(ctx)
		if err != nil {
			// Nobody waits for this load: say why the lists stay in
			// ClickHouse.
			s.log.Warn("list rows: load failed; lists are read from ClickHouse until a later load succeeds", "err", err)
		}
		return l, err
	})
	if !ok || err != nil {
		return nil, ok, err
	}
	return v.(*keptList), true, nil
}

// loadKeptList reads list_index.sql and sorts its rows.
func (s *Server) loadKeptList(ctx context.Context) (*keptList, error) {
	rows, done, err := s.openRows(ctx, "list_index")
	if err != nil {
		return nil, err
	}
	defer done()
	l := &keptList{topicBits: map[string]uint32{}, channelCodes: map[string]uint8{}}
	var (
		read         []listRow
		eids         []uuid.UUID
		aggs         []string
		commune, agg string
		channel      string
		topics       []string
		unscored     uint8
		negative     uint8
		eid          uuid.UUID
		x            listRow
	)
	for rows.Next() {
		if err := rows.Scan(&x.at, &x.day, &commune, &agg, &eid, &channel, &topics, &unscored, &negative, &x.score); err != nil {
			return nil, fmt.Errorf("query list_index: scan: %w", err)
		}
		if x.commune, err = l.id(commune); err != nil {
			return nil, fmt.Errorf("query list_index: %w", err)
		}
		c, ok := l.channelCodes[channel]
		if !ok {
			if len(l.channelCodes) > math.MaxUint8 {
				return nil, errors.New("query list_index: more than 256 channels")
			}
			c = uint8(len(l.channelCodes))
			l.channelCodes[channel] = c
			l.channelNames = append(l.channelNames, channel)
		}
		x.channel, x.topics, x.flags = c, 0, 0
		for _, t := range topics {
			b, ok := l.topicBits[t]
			if !ok {
				if len(l.topicBits) >= 32 {
					return nil, errors.New("query list_index: more than 32 topics")
				}
				b = 1 << len(l.topicBits)
				l.topicBits[t] = b
				l.topicCodes = append(l.topicCodes, t)
			}
			x.topics |= b
		}
		if len(topics) == 0 {
			x.flags |= rowNoTopic
		}
		if unscored != 0 {
			x.flags |= rowUnscored
		}
		if negative != 0 {
			x.flags |= rowNegative
		}
		read = append(read, x)
		eids = append(eids, eid)
		aggs = append(aggs, agg)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query list_index: %w", err)
	}
	done()
	// Sort an index, then lay the rows out in its order.
	order := make([]uint32, len(read))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int {
		if c := cmp.Compare(read[b].at, read[a].at); c != 0 {
			return c
		}
		if c := strings.Compare(aggs[a], aggs[b]); c != 0 {
			return c
		}
		return bytes.Compare(eids[a][:], eids[b][:])
	})
	l.rows = make([]listRow, len(order))
	l.eids = make([]uuid.UUID, len(order))
	l.aggEnd = make([]uint32, len(order))
	for i, j := range order {
		l.rows[i], l.eids[i] = read[j], eids[j]
		l.aggs = append(l.aggs, aggs[j]...)
		if len(l.aggs) > math.MaxUint32 {
			return nil, errors.New("query list_index: aggregate ids over 4 GB")
		}
		l.aggEnd[i] = uint32(len(l.aggs))
	}
	// A period is a run of ordinals only if the days follow the times
	// (day is toDate(occurred_at), migration 0003).
	for i := 1; i < len(l.rows); i++ {
		if l.rows[i].day > l.rows[i-1].day {
			return nil, fmt.Errorf("query list_index: day %d after %d in time order: feedback_index.day is not the day of occurred_at", l.rows[i].day, l.rows[i-1].day)
		}
	}
	l.byScore = make([]uint32, len(l.rows))
	for i := range l.byScore {
		l.byScore[i] = uint32(i)
	}
	slices.SortFunc(l.byScore, l.scoreCmp)
	l.terms.m = map[string]*termEntry{}
	return l, nil
}

// scoreCmp compares two ordinals in the order "score": scored first, the
// lowest score first, then newest first (the ordinal).
func (l *keptList) scoreCmp(a, b uint32) int {
	ra, rb := &l.rows[a], &l.rows[b]
	if c := cmp.Compare(ra.flags&rowUnscored, rb.flags&rowUnscored); c != 0 {
		return c
	}
	if c := cmp.Compare(ra.score, rb.score); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// key returns row i's key.
func (l *keptList) key(i uint32) rowKey {
	start := uint32(0)
	if i > 0 {
		start = l.aggEnd[i-1]
	}
	return rowKey{id: string(l.aggs[start:l.aggEnd[i]]), eid: l.eids[i].String()}
}

// span returns the ordinals [lo, hi) of the period of the list of o: f's
// days, or o's exact time window.
func (l *keptList) span(f Filter, o listOptions) (lo, hi int) {
	if !o.from.IsZero() {
		return l.times(unix32(o.from.Unix()), unix32(o.to.Unix()))
	}
	from, to := yyyymmdd(f.From), yyyymmdd(f.To)
	lo = sort.Search(len(l.rows), func(i int) bool { return l.rows[i].day <= to })
	hi = sort.Search(len(l.rows), func(i int) bool { return l.rows[i].day < from })
	return lo, max(lo, hi)
}

// unix32 is a Unix time as toUInt32(occurred_at) compares to it, clamped
// to UInt32.
func unix32(t int64) uint32 { return uint32(min(max(t, 0), math.MaxUint32)) }

// listMatch is the filters of a list other than its period.
type listMatch struct {
	allowed []bool // by commune index; nil: every commune
	topic   uint32 // a bit the row must have; 0: any
	noTopic bool   // the row must have no topic
	channel int    // the channel's code; -1: any
	none    bool   // nothing matches
}

func (m *listMatch) ok(r *listRow) bool {
	return (m.allowed == nil || m.allowed[r.commune]) &&
		(m.topic == 0 || r.topics&m.topic != 0) &&
		(!m.noTopic || r.flags&rowNoTopic != 0) &&
		(m.channel < 0 || int(r.channel) == m.channel)
}

// match returns listWhere's filters (without the period) for these rows.
func (l *keptList) match(f Filter, sc Scope, o listOptions) listMatch {
	m := listMatch{allowed: l.allowed(f.communes(sc)), channel: -1, noTopic: o.emptyTopic}
	if f.Topic != "" {
		b, ok := l.topicBits[f.Topic]
		m.topic, m.none = b, !ok
	}
	if f.Channel != "" {
		c, ok := l.channelCodes[f.Channel]
		m.channel, m.none = int(c), m.none || !ok
	}
	return m
}

// source is the rows a list walks: the ordinals lo…hi-1, or, for a
// search, the ordinals in cands (ascending).
type source struct {
	lo, hi int
	cands  []uint32
	search bool
}

func (s source) len() int {
	if s.search {
		return len(s.cands)
	}
	return s.hi - s.lo
}

// at returns the k-th ordinal of s, in ascending order.
func (s source) at(k int) uint32 {
	if s.search {
		return s.cands[k]
	}
	return uint32(s.lo + k)
}

// rowsOf returns the rows the list of o walks; ok is false when a word of
// its search has too many rows to keep (ClickHouse answers it then).
func (l *keptList) rowsOf(ctx context.Context, s *Server, f Filter, o listOptions) (src source, ok bool, err error) {
	lo, hi := l.span(f, o)
	if o.search == "" {
		return source{lo: lo, hi: hi}, true, nil
	}
	words := Words(o.search)
	if len(words) == 0 {
		return source{search: true}, true, nil
	}
	lists := make([][]uint32, 0, len(words))
	all := true
	for _, w := range words {
		// Every word is asked for, so that the loads of all the words
		// not kept yet start with the first search that needs them.
		p, ok, err := l.terms.get(ctx, w, func(ctx context.Context) ([]uint32, error) { return s.loadTerm(ctx, l, w) }, false)
		if err != nil {
			return source{}, false, err
		}
		if all = all && ok; !all {
			continue
		}
		// The period's postings: a run, since they are ordinals.
		a, _ := slices.BinarySearch(p, uint32(lo))
		b, _ := slices.BinarySearch(p, uint32(hi))
		lists = append(lists, p[a:b])
	}
	if !all {
		return source{}, false, nil
	}
	slices.SortFunc(lists, func(a, b []uint32) int { return cmp.Compare(len(a), len(b)) })
	cands := lists[0]
	if len(lists) > 1 {
		// The shortest list's ordinals that every other list holds.
		cands = nil
		at := make([]int, len(lists))
	next:
		for _, x := range lists[0] {
			for j := 1; j < len(lists); j++ {
				p := lists[j][at[j]:]
				k, found := slices.BinarySearch(p, x)
				at[j] += k
				if !found {
					continue next
				}
			}
			cands = append(cands, x)
		}
	}
	return source{search: true, cands: cands}, true, nil
}

// page returns the keys of the list page of o: what listPage,
// scorePage and searchPage find in ClickHouse. ok is false when a search
// word has too many rows to keep.
func (l *keptList) page(ctx context.Context, s *Server, f Filter, sc Scope, o listOptions) (keys []rowKey, ok bool, err error) {
	m := l.match(f, sc, o)
	src, ok, err := l.rowsOf(ctx, s, f, o)
	if !ok || err != nil || m.none || o.limit <= 0 {
		return nil, ok, err
	}
	need := o.offset + o.limit
	var found []uint32
	switch o.order {
	case "oldest":
		found = l.oldest(src, &m, need)
	case "score":
		if src.search {
			found = l.lowest(src, &m, need)
		} else {
			found = l.lowestInPeriod(src, &m, need)
		}
	default:
		found = l.newest(src, &m, need)
	}
	for _, i := range found[min(o.offset, len(found)):] {
		keys = append(keys, l.key(i))
	}
	s.listsKept.Add(1)
	return keys, true, nil
}

// newest returns the first need rows of src meeting m, newest first.
func (l *keptList) newest(src source, m *listMatch, need int) []uint32 {
	var out []uint32
	for k, n := 0, src.len(); k < n && len(out) < need; k++ {
		if i := src.at(k); m.ok(&l.rows[i]) {
			out = append(out, i)
		}
	}
	return out
}

// oldest returns the first need rows of src meeting m in the order
// "oldest": occurred_at ASC, then aggregate_id and event_id ASC as in
// "newest". Walking the ordinals down gives the times in that order but
// the rows of one time reversed: the walk goes on to the end of the last
// time's rows, which are then put in order.
func (l *keptList) oldest(src source, m *listMatch, need int) []uint32 {
	var out []uint32
	for k := src.len() - 1; k >= 0; k-- {
		i := src.at(k)
		r := &l.rows[i]
		if len(out) >= need && r.at != l.rows[out[len(out)-1]].at {
			break
		}
		if m.ok(r) {
			out = append(out, i)
		}
	}
	slices.SortFunc(out, func(a, b uint32) int {
		if c := cmp.Compare(l.rows[a].at, l.rows[b].at); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return out[:min(need, len(out))]
}

// lowestInPeriod is lowest for a list without a search: it walks the
// rows in score order, keeping those of the period, for as long as that
// costs less than walking the period (a few filtered rows among many
// periods' rows), and then reads the period instead.
func (l *keptList) lowestInPeriod(src source, m *listMatch, need int) []uint32 {
	budget := src.len()/4 + need
	var out []uint32
	for _, i := range l.byScore {
		if budget--; budget < 0 {
			return l.lowest(src, m, need)
		}
		if int(i) >= src.lo && int(i) < src.hi && m.ok(&l.rows[i]) {
			if out = append(out, i); len(out) == need {
				break
			}
		}
	}
	return out
}

// lowest returns the first need rows of src meeting m in score order.
func (l *keptList) lowest(src source, m *listMatch, need int) []uint32 {
	h := &scoreHeap{l: l}
	for k, n := 0, src.len(); k < n; k++ {
		i := src.at(k)
		if !m.ok(&l.rows[i]) {
			continue
		}
		h.keep(i, need)
	}
	slices.SortFunc(h.ords, l.scoreCmp)
	return h.ords
}

// scoreHeap keeps the lowest ordinals in score order seen so far, the
// highest of them on top.
type scoreHeap struct {
	l    *keptList
	ords []uint32
}

// keep adds i if it is among the first n in score order seen so far.
func (h *scoreHeap) keep(i uint32, n int) {
	if len(h.ords) < n {
		heap.Push(h, i)
	} else if n > 0 && h.l.scoreCmp(i, h.ords[0]) < 0 {
		h.ords[0] = i
		heap.Fix(h, 0)
	}
}

func (h *scoreHeap) Len() int           { return len(h.ords) }
func (h *scoreHeap) Less(i, j int) bool { return h.l.scoreCmp(h.ords[i], h.ords[j]) > 0 }
func (h *scoreHeap) Swap(i, j int)      { h.ords[i], h.ords[j] = h.ords[j], h.ords[i] }
func (h *scoreHeap) Push(x any)         { h.ords = append(h.ords, x.(uint32)) }
func (h *scoreHeap) Pop() any {
	x := h.ords[len(h.ords)-1]
	h.ords = h.ords[:len(h.ords)-1]
	return x
}

// count returns how many rows of the list of o meet its filters, up to
// limit+1 when limit > 0; ok as for page.
func (l *keptList) count(ctx context.Context, s *Server, f Filter, sc Scope, o listOptions, limit int) (n uint64, ok bool, err error) {
	m := l.match(f, sc, o)
	src, ok, err := l.rowsOf(ctx, s, f, o)
	if !ok || err != nil || m.none {
		return 0, ok, err
	}
	for k, end := 0, src.len(); k < end; k++ {
		if m.ok(&l.rows[src.at(k)]) {
			if n++; limit > 0 && n > uint64(limit) {
				break
			}
		}
	}
	s.listsKept.Add(1)
	return n, true, nil
}

// loadTerm reads the rows of word from feedback_terms (list_term.sql) as
// ordinals of l, ascending. Rows l does not hold (written after l was
// read) are left out.
func (s *Server) loadTerm(ctx context.Context, l *keptList, word string) ([]uint32, error) {
	rows, done, err := s.openRows(ctx, "list_term", word)
	if err != nil {
		return nil, err
	}
	defer done()
	out := []uint32{}
	var at uint32
	var eid uuid.UUID
	for rows.Next() {
		if err := rows.Scan(&at, &eid); err != nil {
			return nil, fmt.Errorf("query list_term: scan: %w", err)
		}
		i := sort.Search(len(l.rows), func(i int) bool { return l.rows[i].at <= at })
		for ; i < len(l.rows) && l.rows[i].at == at; i++ {
			if l.eids[i] == eid {
				out = append(out, uint32(i))
				break
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query list_term: %w", err)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// termPostings keeps words' ordinals, at most keptListTerms of them: the
// least recently used words go first.
type termPostings struct {
	mu      sync.Mutex
	m       map[string]*termEntry
	kept    int // ordinals held by loaded entries
	loading int // loads running
	clock   uint64
}

type termEntry struct {
	*sharedLoad[[]uint32]
	used   uint64
	loaded bool // n is set
	n      int  // ordinals
}

// keptListWords bounds the words kept per list, loaded or not.
const keptListWords = 4096

// keptListLoads bounds the words loaded at once in the background.
const keptListLoads = 2

// get returns word's ordinals, loading them once; ok is false when there
// are too many to keep and, unless wait, while they load: the caller then
// asks ClickHouse. Without wait, a word's first request starts its load
// in the background (at most keptListLoads at once; past that it starts
// nothing), so that no request waits for a word's rows (0.3 s for a
// common word on the 10 M-event demo).
func (t *termPostings) get(ctx context.Context, word string, load func(context.Context) ([]uint32, error), wait bool) ([]uint32, bool, error) {
	t.mu.Lock()
	t.clock++
	e := t.m[word]
	if e != nil {
		e.used = t.clock
		t.mu.Unlock()
		select {
		case <-e.done:
		default:
			if !wait {
				return nil, false, nil
			}
		}
		p, err := e.wait(ctx)
		return p, err == nil && p != nil, err
	}
	if !wait && t.loading >= keptListLoads {
		t.mu.Unlock()
		return nil, false, nil
	}
	e = &termEntry{sharedLoad: newSharedLoad[[]uint32](), used: t.clock}
	t.m[word] = e
	t.loading++
	t.mu.Unlock()
	run := func(ctx context.Context) ([]uint32, error) {
		p, err := e.run(ctx, func(ctx context.Context) ([]uint32, error) {
			p, err := load(ctx)
			if err == nil && len(p) > keptListTerms/4 {
				// Too many to keep: a nil answer, so that later callers
				// go to ClickHouse without loading it again.
				return nil, nil
			}
			return p, err
		}, func() {
			t.mu.Lock()
			if t.m[word] == e {
				delete(t.m, word)
			}
			t.mu.Unlock()
		})
		t.mu.Lock()
		defer t.mu.Unlock()
		t.loading--
		if err != nil {
			return nil, err
		}
		e.loaded, e.n = true, len(p)
		t.kept += e.n
		t.evict(e)
		return p, nil
	}
	if !wait {
		go func() { _, _ = run(ctx) }()
		return nil, false, nil
	}
	p, err := run(ctx)
	return p, err == nil && p != nil, err
}

// evict drops the least recently used loaded words other than keep until
// the kept ordinals and words are within their bounds. t.mu is held.
func (t *termPostings) evict(keep *termEntry) {
	for t.kept > keptListTerms || len(t.m) > keptListWords {
		var oldest string
		var at uint64 = math.MaxUint64
		for w, x := range t.m {
			if x != keep && x.loaded && x.used < at {
				oldest, at = w, x.used
			}
		}
		if oldest == "" {
			return
		}
		t.kept -= t.m[oldest].n
		delete(t.m, oldest)
	}
}

// times returns the ordinals [lo, hi) of the rows with from <= at < to.
func (l *keptList) times(from, to uint32) (lo, hi int) {
	lo = sort.Search(len(l.rows), func(i int) bool { return l.rows[i].at < to })
	hi = sort.Search(len(l.rows), func(i int) bool { return l.rows[i].at < from })
	return lo, max(lo, hi)
}

// cellTopics calls fn with each topic cell of r: its topics' bits, or -1
// (topic "") when it has none, as the hourly roll-up and
// hotspot_drivers.sql count them.
func (l *keptList) cellTopics(r *listRow, fn func(bit int)) {
	if r.topics == 0 {
		fn(-1)
		return
	}
	for t := r.topics; t != 0; t &= t - 1 {
		fn(bits.TrailingZeros32(t))
	}
}

func (l *keptList) topicOf(bit int) string {
	if bit < 0 {
		return ""
	}
	return l.topicCodes[bit]
}

// hotWindows returns hotspot_windows.sql's answer for ref (a whole hour)
// from the rows: feedback_hourly counts the same feedback.received events
// per hour (migration 0005), and an event of the hour starting at h lies
// in window (ref-h-1) / 86400.
func (l *keptList) hotWindows(ref uint32) *hotWindows {
	type cellKey struct {
		commune uint16
		topic   int8
		channel uint8
	}
	at := map[cellKey]int{}
	hw := &hotWindows{}
	lo, hi := l.times(ref-hotDays*86400, ref)
	for i := lo; i < hi; i++ {
		r := &l.rows[i]
		w := (ref - (r.at - r.at%3600) - 1) / 86400
		l.cellTopics(r, func(bit int) {
			k := cellKey{r.commune, int8(bit), r.channel}
			j, ok := at[k]
			if !ok {
				// Numbered as loadHotWindows numbers them; fewer codes
				// than in l, so they fit.
				c, _ := hw.communes.id(l.codes[r.commune])
				t, _ := hw.topics.id(l.topicOf(bit))
				ch, _ := hw.channels.id(l.channelNames[r.channel])
				j = len(hw.entries)
				at[k] = j
				hw.entries = append(hw.entries, hotEntry{commune: c, topic: t, channel: ch})
			}
			e := &hw.entries[j]
			e.r[w]++
			if r.flags&rowNegative != 0 {
				e.n[w]++
			}
		})
	}
	hw.sortEntries()
	return hw
}

// hotDrivers returns readHotDrivers' answer from the rows: each cell's
// (commune|topic) first 3 rows in score order in the 24 h before ref.
func (l *keptList) hotDrivers(cells []string, ref uint32) map[string][]rowKey {
	type cellKey struct {
		commune uint16
		topic   int8
	}
	want := map[cellKey]*scoreHeap{}
	out := make(map[string][]rowKey, len(cells))
	for _, c := range cells {
		out[c] = []rowKey{}
		commune, topic, _ := strings.Cut(c, "|")
		ci, ok := l.index[commune]
		bit, okTopic := -1, topic == ""
		if b, ok := l.topicBits[topic]; ok {
			bit, okTopic = bits.TrailingZeros32(b), true
		}
		if ok && okTopic {
			want[cellKey{ci, int8(bit)}] = &scoreHeap{l: l}
		}
	}
	lo, hi := l.times(ref-86400, ref)
	for i := lo; i < hi; i++ {
		r := &l.rows[i]
		l.cellTopics(r, func(bit int) {
			if h := want[cellKey{r.commune, int8(bit)}]; h != nil {
				h.keep(uint32(i), 3)
			}
		})
	}
	for k, h := range want {
		slices.SortFunc(h.ords, l.scoreCmp)
		cell := l.codes[k.commune] + "|" + l.topicOf(int(k.topic))
		for _, i := range h.ords {
			out[cell] = append(out[cell], l.key(i))
		}
	}
	return out
}
