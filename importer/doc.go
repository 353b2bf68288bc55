// Package importer turns files into dvpulse events and sends them to ingest:
// the `dvpulse import` command.
//
// Two formats are read:
//
//   - CSV, the layout a commune officer fills in with Excel or LibreOffice:
//     one row per case, Vietnamese headers (or English aliases), dates as
//     dd/mm/yyyy, vocabulary values as codes or Vietnamese labels. A Mapping
//     says which columns make which event type; feedback.received is the
//     first. The reader accepts a UTF-8 byte-order mark, "," ";" or tab
//     delimiters (sniffed from the header), CRLF line ends and quoted cells
//     that span lines, and reports rows that are not valid UTF-8 with a hint
//     to save the file as "CSV UTF-8".
//   - NDJSON, one event object per line, of any event type, exactly as
//     ingest accepts it.
//
// Every row becomes one event that is checked with event.Decoder (and the
// locality registry) before anything is sent. Invalid rows are reported as
// Issues naming the row as the officer sees it in a spreadsheet (the header
// is row 1), the column and the reason; valid rows are posted to ingest's
// POST /v1/events in batches by a Sender, which retries 503 answers and
// connection errors with backoff, honouring Retry-After.
//
// CSV rows get a deterministic event_id (see EventID), so running the same
// import again after a partial failure resends the same ids and ingest and
// the projector drop what already went through. NDJSON events carry their
// own event_id.
//
// Main is the command line; Run is the library entry point. Neither keeps
// global state; a Run is not safe for concurrent use, separate Runs are.
package importer
