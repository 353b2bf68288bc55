// Command bench measures the projector (see projector/BENCHMARKS-projector.md):
//
//		go run ./projector/internal/bench -events 1000000
//
//	 1. throughput: pre-loads N demo events into a fresh topic, runs `dvpulse
//	    projector` (a subprocess, all projections on) on a fresh database and
//	    times Kafka → ClickHouse; reports its peak RSS (VmHWM);
//	 2. the same rows inserted with bare clickhouse-go batches into the events
//	    table of another fresh database, for the ratio;
//	 3. freshness: `dvpulse all` on fresh topic and database, events POSTed to
//	    ingest at -rate events/s for -duration; the time from each 2xx to the
//	    dashboard volume API showing it, p50/p95/p99.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"dvpulse/demo"
	"dvpulse/event"
	"dvpulse/internal/kafkaadmin"
	"dvpulse/internal/svc"
	"dvpulse/locality"
	"dvpulse/projector"
	"dvpulse/warehouse"
)

var (
	brokers  = flag.String("kafka", "127.0.0.1:9092", "Kafka bootstrap broker")
	chAddr   = flag.String("clickhouse", "127.0.0.1:9000", "ClickHouse native address")
	n        = flag.Int("events", 1_000_000, "events to pre-load for the throughput run")
	parts    = flag.Int("partitions", 6, "partitions of the benchmark topic")
	flushRow = flag.Int("flush-rows", 50000, "--projector-flush-rows for the throughput run")
	rate     = flag.Int("rate", 2000, "events/s sent to ingest in the freshness run")
	duration = flag.Duration("duration", 30*time.Second, "length of the freshness run")
	skip     = flag.String("skip", "", "comma-separated phases to skip: throughput, bare, freshness")
	cpuProf  = flag.String("cpuprofile", "", "run the throughput phase's projector in this process (not a subprocess) and write its CPU profile here; RSS then includes the benchmark's own memory")
	extra    = flag.String("projector-args", "", "extra arguments for the throughput run's projector, space-separated (e.g. '--projector-flush-interval 1s')")
	memProf  = flag.String("memprofile", "", "with -cpuprofile: write a heap profile here when half the events are stored")
)

var hanoi, _ = time.LoadLocation("Asia/Ho_Chi_Minh")

func main() {
	flag.Parse()
	if err := run(); err != nil {
		msg := err.Error()
		if len(msg) > 500 {
			msg = msg[:500] + "…"
		}
		fmt.Fprintln(os.Stderr, "bench:", msg)
		os.Exit(1)
	}
}

func logf(format string, a ...any) { fmt.Printf(time.Now().Format("15:04:05 ")+format+"\n", a...) }

func run() error {
	ctx := context.Background()
	root, _ := os.Getwd()
	tmp, err := os.MkdirTemp("", "dvpulse-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "dvpulse")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/dvpulse").CombinedOutput(); err != nil {
		return fmt.Errorf("go build (run from the repository root): %v\n%s", err, out)
	}
	logf("machine: %s/%s, %d CPUs, %s; repo %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel(), root)
	reg, err := locality.Load("42")
	if err != nil {
		return err
	}
	suffix := strconv.FormatInt(time.Now().Unix(), 36)

	var msgs []kafka.Message
	var rows []*event.Event
	var tpConn driver.Conn // the throughput run's database, read back for the bare insert
	if !strings.Contains(*skip, "throughput") || !strings.Contains(*skip, "bare") {
		gen := demo.NewGenerator(reg, 99, time.Now().In(hanoi), 90)
		now := time.Now()
		var bytesTotal int
		for i := 0; i < *n; i++ {
			e := gen.Feedback(i)
			e.SetReceived(now)
			b, _ := event.Marshal(e)
			bytesTotal += len(b)
			msgs = append(msgs, kafka.Message{Key: []byte(e.AggregateID()), Value: b})
		}
		logf("input: %d feedback.received events, %.0f bytes each on average (%.1f MB)", *n, float64(bytesTotal)/float64(*n), float64(bytesTotal)/1e6)
	}

	if !strings.Contains(*skip, "throughput") {
		topic := "bench.tp." + suffix
		if err := createTopic(topic, *parts); err != nil {
			return err
		}
		defer deleteTopic(topic)
		t0 := time.Now()
		if err := preload(ctx, topic, msgs); err != nil {
			return err
		}
		logf("pre-loaded %d messages into %s (%d partitions) in %s", len(msgs), topic, *parts, time.Since(t0).Round(time.Millisecond))
		db := "bench_tp_" + suffix
		conn, err := openDB(ctx, db)
		if err != nil {
			return err
		}
		defer dropDB(conn, db)
		tpConn = conn
		if *cpuProf != "" {
			msgs = nil // the projector's soft memory limit applies to this process
			runtime.GC()
			if err := inProcess(ctx, conn, reg, topic, suffix); err != nil {
				return err
			}
		} else if err := subprocess(ctx, conn, bin, topic, db, suffix); err != nil {
			return err
		}
	}

	if !strings.Contains(*skip, "bare") && tpConn != nil {
		// The same rows as the projector wrote them, every column: read
		// back from the throughput run's events table, then inserted with
		// bare clickhouse-go column batches into a fresh database (same
		// events table and views). Only the inserts are timed.
		cols, data, err := readBack(ctx, tpConn)
		if err != nil {
			return err
		}
		db := "bench_bare_" + suffix
		conn, err := openDB(ctx, db)
		if err != nil {
			return err
		}
		defer dropDB(conn, db)
		total := data[0].Len()
		start := time.Now()
		const size = 50000
		for i := 0; i < total; i += size {
			if err := bareColumns(ctx, conn, cols, data, i, min(i+size, total)); err != nil {
				return err
			}
		}
		d := time.Since(start)
		logf("bare clickhouse-go column batch insert of the projector's rows (all %d columns, 50,000-row batches, same events table and views): %s (%.0f events/s)", len(cols), d.Round(time.Millisecond), float64(total)/d.Seconds())
	} else if !strings.Contains(*skip, "bare") {
		dec := &event.Decoder{Localities: reg}
		for _, m := range msgs {
			e, errs := dec.Decode(m.Value)
			if errs != nil {
				return errs
			}
			rows = append(rows, e)
		}
		db := "bench_bare_" + suffix
		conn, err := openDB(ctx, db)
		if err != nil {
			return err
		}
		defer dropDB(conn, db)
		start := time.Now()
		const size = 50000
		for i := 0; i < len(rows); i += size {
			if err := bareInsert(ctx, conn, reg, rows[i:min(i+size, len(rows))], msgs[i:min(i+size, len(rows))], i); err != nil {
				return err
			}
		}
		d := time.Since(start)
		logf("bare clickhouse-go batch insert of 18 envelope columns (no throughput run to read the projector's rows from; 50,000-row batches, same events table and views): %s (%.0f events/s)", d.Round(time.Millisecond), float64(len(rows))/d.Seconds())
	}

	if !strings.Contains(*skip, "freshness") {
		if err := freshness(ctx, bin, reg, suffix); err != nil {
			return err
		}
	}
	return nil
}

func bareInsert(ctx context.Context, conn driver.Conn, reg *locality.Registry, evs []*event.Event, msgs []kafka.Message, base int) error {
	b, err := conn.PrepareBatch(ctx, `INSERT INTO events (event_id, event_type, schema_version, occurred_at, received_at,
    source_system, source_record_id, locality_scheme, locality_code, commune_code, aggregate_id,
    channel, topics, org, payload, kafka_topic, kafka_partition, kafka_offset)`)
	if err != nil {
		return err
	}
	defer b.Close()
	for i, e := range evs {
		commune, ok := reg.Current(locality.Scheme(e.Locality.Scheme), e.Locality.Code)
		if !ok {
			commune = e.Locality.Code
		}
		topics := e.Topics
		if topics == nil {
			topics = []string{}
		}
		if err := b.Append(e.EventID, e.EventType, uint16(e.SchemaVersion), e.Occurred(), e.Received(), e.Source.System, e.Source.RecordID,
			e.Locality.Scheme, e.Locality.Code, commune, e.AggregateID(), e.Channel, topics, e.Org, string(msgs[i].Value), "bare", int32(0), int64(base+i)); err != nil {
			return err
		}
	}
	return b.Send()
}

// readBack reads every column of events, in Kafka order, into one typed
// slice per column.
func readBack(ctx context.Context, conn driver.Conn) ([]string, []reflect.Value, error) {
	var cols []string
	rows, err := conn.Query(ctx, "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'events' AND default_kind = ''")
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, nil, err
		}
		cols = append(cols, c)
	}
	rows.Close()
	rows, err = conn.Query(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM events ORDER BY kafka_partition, kafka_offset")
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	types := rows.ColumnTypes()
	data := make([]reflect.Value, len(types))
	ptrs := make([]any, len(types))
	for i, t := range types {
		data[i] = reflect.MakeSlice(reflect.SliceOf(t.ScanType()), 0, *n)
		ptrs[i] = reflect.New(t.ScanType()).Interface()
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		for i, p := range ptrs {
			data[i] = reflect.Append(data[i], reflect.ValueOf(p).Elem())
		}
	}
	return cols, data, rows.Err()
}

// bareColumns inserts rows [from, to) of data as one block.
func bareColumns(ctx context.Context, conn driver.Conn, cols []string, data []reflect.Value, from, to int) error {
	b, err := conn.PrepareBatch(ctx, "INSERT INTO events ("+strings.Join(cols, ", ")+")")
	if err != nil {
		return err
	}
	defer b.Close()
	for i := range cols {
		if err := b.Column(i).Append(data[i].Slice(from, to).Interface()); err != nil {
			return fmt.Errorf("column %s: %w", cols[i], err)
		}
	}
	return b.Send()
}

func freshness(ctx context.Context, bin string, reg *locality.Registry, suffix string) error {
	topic := "bench.fresh." + suffix
	if err := createTopic(topic, *parts); err != nil {
		return err
	}
	defer deleteTopic(topic)
	db := "bench_fresh_" + suffix
	conn, err := openDB(ctx, db)
	if err != nil {
		return err
	}
	defer dropDB(conn, db)
	ingestAddr, dashAddr := freeAddr(), freeAddr()
	cmd := exec.Command(bin, "all", "--kafka-brokers", *brokers, "--kafka-topic", topic, "--kafka-deadletter-topic", topic+".dlq",
		"--projector-group", "bench-fresh-"+suffix, "--clickhouse-addr", *chAddr, "--clickhouse-database", db,
		"--ingest-addr", ingestAddr, "--dashboard-addr", dashAddr, "--ingest-ops-addr", freeAddr(),
		"--projector-ops-addr", freeAddr(), "--dashboard-ops-addr", freeAddr(), "--dashboard-auth", "off", "--ingest-auth", "off",
		"--projector-flush-interval", "200ms", "--log-level", "warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	for i := 0; ; i++ {
		if okURL("http://"+dashAddr+"/-/ready") && okURL("http://"+ingestAddr+"/-/ready") {
			break
		}
		if i > 600 {
			return fmt.Errorf("dvpulse all not ready in 60 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	today := time.Now().In(hanoi)
	api := "http://" + dashAddr + "/api/v1/feedback/volume?granularity=month&from=" + today.AddDate(0, 0, -100).Format("2006-01-02") + "&to=" + today.Format("2006-01-02")
	gen := demo.NewGenerator(reg, 77, today, 90)
	const perReq = 20
	interval := time.Second * perReq / time.Duration(*rate)
	type sent struct {
		cum uint64
		at  time.Time
	}
	var mu sync.Mutex
	var sends []sent
	var visible []time.Time // visible[i] for sends[i]
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // poll the API
		defer wg.Done()
		c := http.Client{Timeout: 2 * time.Second}
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			resp, err := c.Get(api)
			if err != nil {
				continue
			}
			var v struct{ Total uint64 }
			_ = json.NewDecoder(resp.Body).Decode(&v)
			resp.Body.Close()
			now := time.Now()
			mu.Lock()
			for len(visible) < len(sends) && sends[len(visible)].cum <= v.Total {
				visible = append(visible, now)
			}
			mu.Unlock()
		}
	}()
	c := http.Client{Timeout: 10 * time.Second}
	var cum uint64
	next := time.Now()
	deadline := time.Now().Add(*duration)
	for i := 0; time.Now().Before(deadline); i++ {
		evs := make([]*event.Event, perReq)
		for j := range evs {
			evs[j] = gen.Feedback(i*perReq + j)
		}
		body, _ := json.Marshal(evs)
		resp, err := c.Post("http://"+ingestAddr+"/v1/events", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("ingest answered %s", resp.Status)
		}
		cum += perReq
		mu.Lock()
		sends = append(sends, sent{cum, time.Now()})
		mu.Unlock()
		next = next.Add(interval)
		time.Sleep(time.Until(next))
	}
	wait := time.Now().Add(30 * time.Second)
	for time.Now().Before(wait) {
		mu.Lock()
		done := len(visible) == len(sends)
		mu.Unlock()
		if done {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	var lat []time.Duration
	for i := range visible {
		lat = append(lat, visible[i].Sub(sends[i].at))
	}
	if len(lat) == 0 {
		return fmt.Errorf("nothing became visible")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) time.Duration {
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(time.Millisecond)
	}
	logf("freshness (ingest 2xx → dashboard API total includes it; %d events/s for %s, %d requests of %d, API polled every 20 ms): p50 %s, p95 %s, p99 %s, max %s; %d of %d requests seen",
		*rate, *duration, len(sends), perReq, q(0.5), q(0.95), q(0.99), lat[len(lat)-1].Round(time.Millisecond), len(visible), len(sends))
	return nil
}

func ok(resp *http.Response, err error) bool {
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

func okURL(u string) bool { return ok(http.Get(u)) }

func preload(ctx context.Context, topic string, msgs []kafka.Message) error {
	w := &kafka.Writer{Addr: kafka.TCP(*brokers), Topic: topic, Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond, BatchSize: 1000, BatchBytes: 900_000}
	defer w.Close()
	for i := 0; i < len(msgs); i += 20000 {
		var err error
		for a := 0; a < 20; a++ {
			if err = w.WriteMessages(ctx, msgs[i:min(i+20000, len(msgs))]...); err == nil {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func createTopic(name string, partitions int) error {
	if err := kafkaadmin.CreateTopics(*brokers, kafka.TopicConfig{Topic: name, NumPartitions: partitions, ReplicationFactor: 1},
		kafka.TopicConfig{Topic: name + ".dlq", NumPartitions: 1, ReplicationFactor: 1}); err != nil {
		return err
	}
	time.Sleep(2 * time.Second)
	return nil
}

func deleteTopic(name string) {
	conn, err := kafka.Dial("tcp", *brokers)
	if err != nil {
		return
	}
	defer conn.Close()
	if ctrl, err := conn.Controller(); err == nil {
		if cc, err := kafka.Dial("tcp", net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port))); err == nil {
			_ = cc.DeleteTopics(name, name+".dlq")
			cc.Close()
		}
	}
}

func openDB(ctx context.Context, db string) (driver.Conn, error) {
	cfg := warehouse.DefaultConfig()
	cfg.Addr, cfg.Database = *chAddr, db
	conn, err := warehouse.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	_, err = warehouse.Migrate(ctx, conn, discard())
	return conn, err
}

func dropDB(conn driver.Conn, db string) {
	_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db)
	conn.Close()
}

func count(ctx context.Context, conn driver.Conn, q string) uint64 {
	var c uint64
	_ = conn.QueryRow(ctx, q).Scan(&c)
	return c
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func vmHWM(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "?"
}

// cpuSeconds returns the user+system CPU time of process pid so far.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which is in parentheses): utime and
	// stime are the 12th and 13th.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			if i := strings.IndexByte(l, ':'); i > 0 {
				return strings.TrimSpace(l[i+1:])
			}
		}
	}
	return "unknown CPU"
}

// inProcess runs the throughput phase's projector in this process with a CPU
// profile (-cpuprofile), so that pprof sees Kafka reading, decoding and
// inserting together.
func inProcess(ctx context.Context, conn driver.Conn, reg *locality.Registry, topic, suffix string) error {
	if err := warehouse.SeedLocalities(ctx, conn, reg); err != nil {
		return err
	}
	cfg := projector.DefaultConfig()
	cfg.Brokers, cfg.Topic, cfg.DeadLetterTopic, cfg.Group = *brokers, topic, topic+".dlq", "bench-"+suffix
	cfg.FlushRows, cfg.FlushBytes = *flushRow, 64<<20
	p, err := projector.New(cfg, discard(), conn, &event.Decoder{Localities: reg}, reg, prometheus.NewRegistry(), &svc.Health{})
	if err != nil {
		return err
	}
	f, err := os.Create(*cpuProf)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- p.Run(pctx) }()
	var firstRow time.Time
	for {
		c := count(ctx, conn, "SELECT count() FROM events")
		if c > 0 && firstRow.IsZero() {
			firstRow = time.Now()
		}
		if c >= uint64(*n) {
			break
		}
		if *memProf != "" && c >= uint64(*n)/2 {
			if f, err := os.Create(*memProf); err == nil {
				_ = pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
			*memProf = ""
		}
		time.Sleep(100 * time.Millisecond)
	}
	end := time.Now()
	pprof.StopCPUProfile()
	cancel()
	<-done
	logf("projector (in-process, profiled to %s): %d events in %s from start (%.0f events/s); %s from first row to last (%.0f events/s); peak RSS of the whole benchmark %s",
		*cpuProf, *n, end.Sub(start).Round(time.Millisecond), float64(*n)/end.Sub(start).Seconds(),
		end.Sub(firstRow).Round(time.Millisecond), float64(*n)/end.Sub(firstRow).Seconds(), vmHWM(os.Getpid()))
	return nil
}

// subprocess runs the throughput phase: `dvpulse projector` on topic into
// db until every event is stored.
func subprocess(ctx context.Context, conn driver.Conn, bin, topic, db, suffix string) error {
	ops := freeAddr()
	cmd := exec.Command(bin, "projector", "--kafka-brokers", *brokers, "--kafka-topic", topic,
		"--kafka-deadletter-topic", topic+".dlq", "--projector-group", "bench-"+suffix,
		"--clickhouse-addr", *chAddr, "--clickhouse-database", db, "--projector-ops-addr", ops,
		"--projector-flush-rows", strconv.Itoa(*flushRow), "--projector-flush-bytes", strconv.Itoa(64<<20), "--log-level", "warn")
	cmd.Args = append(cmd.Args, strings.Fields(*extra)...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	var firstRow time.Time
	for {
		c := count(ctx, conn, "SELECT count() FROM events")
		if c > 0 && firstRow.IsZero() {
			firstRow = time.Now()
		}
		if c >= uint64(*n) {
			break
		}
		if time.Since(start) > 30*time.Minute {
			_ = cmd.Process.Kill()
			return fmt.Errorf("projector did not finish in 30 min (%d rows)", c)
		}
		time.Sleep(100 * time.Millisecond)
	}
	end := time.Now()
	hwm := vmHWM(cmd.Process.Pid)
	cpu := cpuSeconds(cmd.Process.Pid)
	_ = cmd.Process.Signal(os.Interrupt)
	_ = cmd.Wait()
	logf("projector: %d events in %s from process start (%.0f events/s); %s from first row to last (%.0f events/s); peak RSS (VmHWM) %s; CPU %.1f s (%.1f µs/event)",
		*n, end.Sub(start).Round(time.Millisecond), float64(*n)/end.Sub(start).Seconds(),
		end.Sub(firstRow).Round(time.Millisecond), float64(*n)/end.Sub(firstRow).Seconds(), hwm, cpu, cpu/float64(*n)*1e6)
	return nil
}
