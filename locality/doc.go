// Package locality is the registry of a province's administrative units
// ("localities") in the two schemes that event locality codes may use:
//
//   - Scheme2025, in force since 1 July 2025: province → ward (phường),
//     commune (xã) or special zone (đặc khu);
//   - SchemePre2025, before that date: province → district → ward,
//     commune or township (thị trấn).
//
// The reform reused codes for different places (18073 was Phường Nam Hà
// and is now Phường Thành Sen), so a code means nothing without its
// scheme. There is no default scheme: every call names one. Codes are
// matched exactly as given, without trimming or zero-padding.
//
// Load reads a province's registry from data embedded in the binary
// (data/<province>.json, produced by the generator in internal/gen from
// ../shared/data/localities; see README.md). It fails, listing the
// provinces available, when there is no data for the province asked for.
// A Registry is read-only and safe for concurrent use; load it once and
// share it. Lookup and Current do not allocate.
//
// Every error from Lookup wraps exactly one of ErrUnknownScheme (the
// message lists the valid schemes), ErrUnknownCode and ErrDistrictCode (a
// pre2025 district code given where events need a commune-level code).
// Code errors name the scheme and the province and, when the code is a
// unit of the other scheme, that scheme and the unit's name.
//
// Current rolls a code up to the 2025 unit it now belongs to. For a
// pre-2025 commune that was split among several 2025 units it picks one
// primary successor: the successor whose name, without its kind word
// (Phường, Xã, …), equals the old commune's name (the smallest such code
// if several do), or else the successor with the smallest code.
// Successors lists all of them.
package locality
