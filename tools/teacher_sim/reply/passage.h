// A grounding document cut into sentences, each with the features the reply
// writer needs: its content words (for overlap scoring) and its key phrases
// (names, dates, numbers, noun phrases) to ask and answer about.
//
// Everything here is a cheap heuristic for English prose; it never fails, it
// only finds fewer features in text it does not understand.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace codi {

enum class PhraseKind {
  kName,    // a run of capitalised words: "Nikos Karvelas", "University of California"
  kDate,    // a year, optionally with month and day: "1983", "May 1983"
  kNumber,  // a number and up to two following nouns: "631,486 people"
  kNoun,    // "the" and up to three lower-case words: "the energy balance"
};

struct Phrase {
  std::string text;  // as written in the sentence (a noun phrase starts with "the")
  PhraseKind kind;
  size_t word_index;        // index of its first word in the sentence
  size_t word_end;          // one past its last word
  std::string preposition;  // the preposition just before it ("in", "on", ...), if any
  bool is_subject = false;  // a name opening the main clause ("Vissi left ...")
};

struct Sentence {
  std::string text;
  size_t word_count = 0;
  std::vector<Phrase> phrases;
  absl::flat_hash_set<std::string> content;  // normalised content words
  bool mentions_person = false;              // he/she/his/her/born/married/...
};

class Passage {
 public:
  explicit Passage(absl::string_view document);

  const std::vector<Sentence>& sentences() const { return sentences_; }
  bool empty() const { return sentences_.empty(); }

  // Inverse-document-frequency weight of a normalised word over sentences:
  // rarer words count more when scoring overlap.
  double Weight(const std::string& word) const;

  // Weighted overlap of `words` with sentence `i`.
  double Overlap(const std::vector<std::string>& words, size_t i) const;

  // Key phrases of any text (a turn of the conversation), judged against
  // this document's capitalisation.
  std::vector<Phrase> FindPhrases(absl::string_view text) const;

  // The sentence with the highest overlap with `words`, or -1 when none
  // shares a word. Ties go to the earliest sentence.
  int BestMatch(const std::vector<std::string>& words) const;

 private:
  std::vector<Sentence> sentences_;
  absl::flat_hash_set<std::string> midsentence_capitals_;
  // Number of sentences holding each content word.
  absl::flat_hash_map<std::string, size_t> document_frequency_;
};

// Sentences of `text`: split at line breaks and at . ! ? followed by a space
// and a capital, digit or quote, except after common abbreviations.
std::vector<std::string> SplitSentences(absl::string_view text);

// A word as written, with surrounding punctuation stripped; `begin`/`end` are
// byte offsets of the stripped word in the text.
struct Word {
  absl::string_view text;
  size_t begin = 0;
  size_t end = 0;
  bool break_after = false;  // punctuation (or a possessive) follows it
};
std::vector<Word> SplitWords(absl::string_view text);

// Lower case, possessive and plural "s" removed: "Cities'" -> "citie".
std::string NormalizeWord(absl::string_view word);
bool IsStopword(absl::string_view lower);
// Normalised words of `text` that are not stop words, in order, without
// duplicates.
std::vector<std::string> ContentWords(absl::string_view text);

// Lower case with everything but letters and digits removed: two texts that
// are equal under this are the same turn for codi's repeat check.
std::string RepeatKey(absl::string_view text);

}  // namespace codi
