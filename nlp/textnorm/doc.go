// Package textnorm normalises Vietnamese text for the dvpulse NLP models.
//
// It applies Unicode NFC and lower-casing, splits text into syllable,
// punctuation and symbol tokens, expands common teencode abbreviations
// ("ko" → "không", "dc" → "được", "sp" → "sản phẩm"), collapses elongated
// letters ("quáaaa" → "quá") and computes two hashed keys per syllable:
//
//   - a tone-mark key, which keeps every letter and vowel-quality mark
//     (ă, â, ê, ô, ơ, ư, đ) but records the tone separately from its
//     position, so old and new tone placement ("hoà"/"hòa", "thuỷ"/"thủy")
//     and misplaced marks map to the same feature;
//   - a stripped key with all diacritics removed ("được" → "duoc"), used
//     as an extra feature channel for text typed without diacritics.
//
// Full diacritic removal is deliberately not the primary key because it
// merges different words (bão "storm" and bao "how much").
package textnorm
