package importer

import (
	"crypto/sha1"
	"encoding/hex"

	"dvpulse/event"
)

// Namespace is the UUID namespace of CSV event ids (RFC 9562 name-based,
// version 5). It is fixed forever: changing it would make every rerun
// resend every row as new events.
var Namespace = [16]byte{0x6b, 0x1f, 0x3c, 0x52, 0x9e, 0x0a, 0x4d, 0x17, 0xa8, 0x44, 0x2f, 0x61, 0xc0, 0x95, 0x3e, 0x7d}

// EventID returns the deterministic event_id of an event built from a CSV
// row. It is the version-5 UUID, in Namespace, of the name
//
//	"dvpulse-import/2\n" + source.system + "\n" + event_type + "\n" + aggregate id
//
// where aggregate id is feedback_id for feedback.received. A feedback case
// is received once, so its id names it: the same case imported again — a
// rerun after a partial failure, the sheet re-exported from another program,
// with another delimiter, column order or date format, or with a corrected
// cell — gets the same id, and ingest and the projector count it once. A
// correction to a case already imported is therefore not applied by a
// re-import; it has to be sent as a lifecycle event (or the case withdrawn
// and re-sent under a new ma_phan_anh).
func EventID(e *event.Event) (string, error) {
	name := "dvpulse-import/2\n" + e.Source.System + "\n" + e.EventType + "\n" + e.AggregateID()
	return uuidV5(Namespace, name), nil
}

// uuidV5 is RFC 9562 section 5.5: SHA-1 of namespace and name, with the
// version and variant bits set.
func uuidV5(ns [16]byte, name string) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
