// Package linear holds the hashed-feature linear models shared by the
// sentiment and topic classifiers: feature extraction from textnorm tokens
// (syllable n-grams on the tone-key channel, a diacritic-stripped channel,
// negation-scope features), a deterministic single-threaded AdaGrad trainer
// for multinomial logistic regression (and weight averaging for bagged
// ensembles), a dual coordinate descent one-vs-rest linear SVM / NB-SVM
// trainer used in model comparisons, int8 quantisation with a compact
// gzip container, and evaluation metrics (confusion matrix, per-class
// precision/recall/F1, macro-F1, accuracy).
//
// Everything here is deterministic: the same examples, configuration and
// seed give byte-identical encoded models.
package linear
