// Package event is the dvpulse event contract: the envelope every event
// carries, the event types and their vocabularies, and the decoder and
// validator that ingest, projector and dashboard share.
//
// Decode is the one way in. It reads one JSON event strictly (unknown fields
// are errors), normalises Vietnamese text to NFC (tone-mark placement is kept
// as sent), checks every field, and returns either a valid *Event or a list of
// FieldErrors that name the field path and the reason. It never panics on any
// input.
package event
