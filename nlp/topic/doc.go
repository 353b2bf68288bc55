// Package topic assigns dvpulse taxonomy topics (site_clearance,
// new_rural, environment, land, jobs, social_welfare, education, disaster,
// ethnic, religion, admin_procedures, grassroots_democracy, policy_drafts)
// to Vietnamese text.
//
// The primary scorer is an editable phrase lexicon (lexicon.tsv, embedded,
// overridable by a file). Phrases are matched on whole syllables using the
// textnorm tone-mark key, so "hoà"/"hòa" spellings agree, and on the
// diacritic-free channel when a text is typed without diacritics. Output is
// multi-label with a confidence per topic.
//
// The package also trains and evaluates linear topic models (proxy task on
// UIT-ViCTSD article categories, and models learned from labelled
// feedback).
package topic
