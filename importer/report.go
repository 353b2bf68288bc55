package importer

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteSummary writes what a Run did, in one or two lines.
func WriteSummary(w io.Writer, name string, r *Result) {
	what := strings.ToUpper(r.Format)
	if r.Format == FormatCSV {
		d := string(r.Delimiter)
		if r.Delimiter == '\t' {
			d = "tab"
		}
		what = fmt.Sprintf("CSV, delimiter %q, %s", d, r.EventType)
	}
	fmt.Fprintf(w, "%s (%s): %d rows read", name, what, r.Rows)
	if r.DryRun {
		fmt.Fprintf(w, ", %d valid, %d rejected (dry run: nothing sent)", r.Valid, r.Rejected)
	} else {
		fmt.Fprintf(w, ", %d sent, %d rejected", r.Sent, r.Rejected)
		if r.NotSent > 0 {
			fmt.Fprintf(w, ", %d not sent", r.NotSent)
		}
	}
	if r.Duplicates > 0 {
		fmt.Fprintf(w, ", %d duplicate rows skipped", r.Duplicates)
	}
	fmt.Fprintln(w)
	if len(r.Ignored) > 0 {
		fmt.Fprintf(w, "columns not imported (unknown headers): %s\n", strings.Join(quoteAll(r.Ignored), ", "))
	}
	if r.SendError != nil && r.NotSent == 0 {
		fmt.Fprintf(w, "stopped: %v\n", r.SendError)
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// reportHeader names the report's columns, Vietnamese first.
var reportHeader = []string{"Dòng (row)", "Cột (column)", "Mã (id)", "Lý do (reason)"}

// WriteTable writes the issues as an aligned table.
func WriteTable(w io.Writer, issues []Issue) error {
	if len(issues) == 0 {
		_, err := fmt.Fprintln(w, "No problems found / Không có lỗi.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(reportHeader, "\t"))
	for _, is := range issues {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", is.Row, orDash(is.Column), orDash(is.ID), oneLine(is.Reason))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return oneLine(s)
}

func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)
}

// WriteCSV writes the issues as CSV for Excel: UTF-8 with a byte-order mark
// (so Excel shows Vietnamese), CRLF line ends, cells separated by delim.
func WriteCSV(w io.Writer, issues []Issue, delim byte) error {
	if delim == 0 {
		delim = ','
	}
	if _, err := w.Write(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = rune(delim)
	cw.UseCRLF = true
	cw.Write(reportHeader)
	for _, is := range issues {
		cw.Write([]string{strconv.Itoa(is.Row), is.Column, is.ID, is.Reason})
	}
	cw.Flush()
	return cw.Error()
}
