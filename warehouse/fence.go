package warehouse

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// The write fence lets a schema operation (a projection rebuild) run DDL on
// the tables that inserts into events feed, with no insert in flight. The
// fence is a one-row Memory table, projector_fence, holding the time it
// expires: its existence is the lock, so no migration creates it, and two
// rebuilds cannot hold it at once (CREATE fails for the second).
//
// The protocol is Dekker's: a projector first starts its INSERT (from then
// on the query is listed in system.processes under a query_id that names the
// database), then checks the fence, and sends rows only when it is free;
// otherwise it ends the insert empty and waits. The holder creates the fence,
// then waits until system.processes lists no projector insert of the
// database. Either the projector sees the fence, or the holder sees the
// insert and waits for it.

// FenceTable is the name of the write fence.
const FenceTable = "projector_fence"

// ErrFenceHeld is returned by AcquireFence when another holder has the fence
// and it has not expired.
var ErrFenceHeld = errors.New("warehouse: the write fence is held by another operation")

// InsertQueryIDPrefix is the query_id prefix of projector inserts into db.
func InsertQueryIDPrefix(db string) string { return "dvpulse-projector:" + db + ":" }

// InsertContext returns ctx carrying a fresh query_id under
// InsertQueryIDPrefix(db), so that fence holders can see the insert.
func InsertContext(ctx context.Context, db string) context.Context {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return clickhouse.Context(ctx, clickhouse.WithQueryID(InsertQueryIDPrefix(db)+hex.EncodeToString(b[:])))
}

// Fenced reports whether a live (unexpired) write fence exists in the
// connection's database.
func Fenced(ctx context.Context, conn driver.Conn) (bool, error) {
	var exists uint8
	if err := conn.QueryRow(ctx, "EXISTS TABLE "+FenceTable).Scan(&exists); err != nil {
		return false, fmt.Errorf("check write fence: %w", err)
	}
	if exists == 0 {
		return false, nil
	}
	var until uint32
	if err := conn.QueryRow(ctx, "SELECT toUInt32(max(until)) FROM "+FenceTable).Scan(&until); err != nil {
		if isUnknownTable(err) { // released between the two queries
			return false, nil
		}
		return false, fmt.Errorf("read write fence: %w", err)
	}
	return int64(until) > time.Now().Unix(), nil
}

// AcquireFence creates the write fence, valid for ttl, and waits until no
// projector insert into db is in flight. An expired fence left by a crashed
// holder is replaced. It returns ErrFenceHeld when a live fence exists. The
// caller must ReleaseFence, also on error paths after a nil return.
func AcquireFence(ctx context.Context, conn driver.Conn, db string, ttl time.Duration) error {
	until := time.Now().Add(ttl).Unix()
	create := fmt.Sprintf("CREATE TABLE %s ENGINE = Memory AS SELECT toDateTime(%d) AS until", FenceTable, until)
	if err := conn.Exec(ctx, create); err != nil {
		live, ferr := Fenced(ctx, conn)
		if ferr != nil {
			return fmt.Errorf("create write fence: %w", err)
		}
		if live {
			return ErrFenceHeld
		}
		// Expired: the previous holder died. Replace it.
		if err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+FenceTable); err != nil {
			return fmt.Errorf("drop expired write fence: %w", err)
		}
		if err := conn.Exec(ctx, create); err != nil {
			return fmt.Errorf("create write fence: %w", err)
		}
	}
	if err := WaitInsertsDrained(ctx, conn, db); err != nil {
		_ = ReleaseFence(context.Background(), conn)
		return err
	}
	return nil
}

// WaitInsertsDrained waits until system.processes lists no projector insert
// into db.
func WaitInsertsDrained(ctx context.Context, conn driver.Conn, db string) error {
	for {
		var n uint64
		err := conn.QueryRow(ctx, "SELECT count() FROM system.processes WHERE startsWith(query_id, ?)", InsertQueryIDPrefix(db)).Scan(&n)
		if err != nil {
			return fmt.Errorf("list in-flight inserts: %w", err)
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// ReleaseFence drops the write fence.
func ReleaseFence(ctx context.Context, conn driver.Conn) error {
	if err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+FenceTable); err != nil {
		return fmt.Errorf("release write fence: %w", err)
	}
	return nil
}

// CurrentDatabase returns the connection's database.
func CurrentDatabase(ctx context.Context, conn driver.Conn) (string, error) {
	var db string
	if err := conn.QueryRow(ctx, "SELECT currentDatabase()").Scan(&db); err != nil {
		return "", fmt.Errorf("current database: %w", err)
	}
	return db, nil
}

func isUnknownTable(err error) bool {
	var ex *clickhouse.Exception
	return errors.As(err, &ex) && ex.Code == 60
}
