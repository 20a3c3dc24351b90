#include "tools/teacher_sim/reply/passage.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace codi {
namespace {

bool IsSpace(char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); }

// Punctuation stripped from the ends of words. Multi-byte quotes and dashes
// are handled separately in StripEnds.
bool IsEdgePunct(char c) {
  switch (c) {
    case '"':
    case '\'':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
    case ',':
    case '.':
    case ';':
    case ':':
    case '!':
    case '?':
    case '`':
    case '*':
    case '-':
      return true;
    default:
      return false;
  }
}

// UTF-8 curly quotes, dashes and guillemets.
constexpr absl::string_view kWideEdges[] = {"\u201c", "\u201d", "\u2018", "\u2019",
                                            "\u2013", "\u2014", "\u00ab", "\u00bb"};

absl::string_view StripEnds(absl::string_view w, size_t* front_cut) {
  *front_cut = 0;
  bool changed = true;
  while (changed && !w.empty()) {
    changed = false;
    if (IsEdgePunct(w.front())) {
      w.remove_prefix(1);
      ++*front_cut;
      changed = true;
    }
    if (!w.empty() && IsEdgePunct(w.back())) {
      w.remove_suffix(1);
      changed = true;
    }
    for (absl::string_view wide : kWideEdges) {
      if (absl::StartsWith(w, wide)) {
        w.remove_prefix(wide.size());
        *front_cut += wide.size();
        changed = true;
      }
      if (absl::EndsWith(w, wide)) {
        w.remove_suffix(wide.size());
        changed = true;
      }
    }
  }
  return w;
}

bool IsCapitalised(absl::string_view w) {
  return !w.empty() && absl::ascii_isupper(static_cast<unsigned char>(w.front()));
}

bool HasDigit(absl::string_view w) {
  return std::any_of(w.begin(), w.end(), [](char c) { return absl::ascii_isdigit(c); });
}

bool IsLowerAlpha(absl::string_view w) {
  return !w.empty() &&
         std::all_of(w.begin(), w.end(), [](char c) { return absl::ascii_islower(c) || c == '-'; });
}

bool AllDigits(absl::string_view w) {
  return !w.empty() &&
         std::all_of(w.begin(), w.end(), [](char c) { return absl::ascii_isdigit(c); });
}

// "1983", "1980s", "1983-1989".
bool IsYearLike(absl::string_view w) {
  auto is_year = [](absl::string_view y) {
    if (y.size() != 4 || !AllDigits(y)) return false;
    return y[0] == '1' || (y[0] == '2' && y[1] == '0');
  };
  if (is_year(w)) return true;
  if (w.size() == 5 && w.back() == 's' && is_year(w.substr(0, 4))) return true;
  if (w.size() >= 7 && is_year(w.substr(0, 4)) && (w[4] == '-' || w[4] == '/')) return true;
  return false;
}

bool IsDayNumber(absl::string_view w) {
  for (absl::string_view ordinal : {"st", "nd", "rd", "th"}) {
    if (absl::ConsumeSuffix(&w, ordinal)) break;
  }
  return !w.empty() && w.size() <= 2 && AllDigits(w);
}

bool IsMonth(absl::string_view w) {
  static const auto* months = new absl::flat_hash_set<std::string>{
      "january",   "february", "march",    "april",    "may",  "june", "july", "august",
      "september", "october",  "november", "december", "jan",  "feb",  "mar",  "apr",
      "jun",       "jul",      "aug",      "sep",      "sept", "oct",  "nov",  "dec"};
  return IsCapitalised(w) && months->contains(absl::AsciiStrToLower(w));
}

bool IsWeekday(absl::string_view w) {
  static const auto* days = new absl::flat_hash_set<std::string>{
      "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  return days->contains(absl::AsciiStrToLower(w));
}

bool IsPreposition(absl::string_view lower) {
  static const auto* preps = new absl::flat_hash_set<std::string>{
      "in",     "on",   "at", "since", "by", "until",  "from",  "during", "after",
      "before", "near", "to", "into",  "of", "around", "about", "till",   "throughout"};
  return preps->contains(std::string(lower));
}

// Lower-case words allowed inside a name: "University of California".
bool IsNameConnector(absl::string_view w) {
  return w == "of" || w == "de" || w == "von" || w == "van" || w == "der" || w == "la" ||
         w == "le" || w == "du" || w == "del" || w == "da" || w == "di" || w == "&";
}

// Words that open a capitalised run without belonging to the name in it:
// "The", "In" in "In Vancouver".
bool IsLeadingFunctionWord(absl::string_view lower) {
  static const auto* words = new absl::flat_hash_set<std::string>{
      "the",     "a",         "an",    "in",     "on",   "at",       "by",     "for",     "from",
      "during",  "since",     "after", "before", "this", "these",    "those",  "that",    "when",
      "while",   "as",        "it",    "he",     "she",  "they",     "his",    "her",     "its",
      "their",   "our",       "we",    "i",      "you",  "my",       "your",   "of",      "to",
      "with",    "and",       "but",   "or",     "if",   "although", "though", "because", "there",
      "here",    "then",      "also",  "both",   "each", "all",      "some",   "most",    "what",
      "which",   "who",       "where", "why",    "how",  "is",       "are",    "was",     "were",
      "however", "meanwhile", "later", "today",  "until"};
  return words->contains(std::string(lower));
}

bool IsPersonCue(absl::string_view lower) {
  static const auto* cues = new absl::flat_hash_set<std::string>{
      "he",     "she",      "his",     "her",      "him",   "born",    "married", "died",
      "singer", "actor",    "actress", "player",   "wrote", "writer",  "author",  "politician",
      "artist", "musician", "son",     "daughter", "wife",  "husband", "father",  "mother"};
  return cues->contains(std::string(lower));
}

constexpr absl::string_view kAbbreviations[] = {
    "mr",  "mrs", "ms",     "dr",  "st", "jr", "sr",  "vs",   "etc",
    "e.g", "i.e", "inc",    "ltd", "co", "no", "mt",  "prof", "gen",
    "col", "fig", "approx", "vol", "ca", "lt", "sgt", "capt", "ft"};

// A word written before a period that does not end a sentence.
bool IsAbbreviation(absl::string_view word) {
  if (word.size() == 1 && absl::ascii_isalpha(word[0])) return true;  // an initial: "J. Smith"
  if (word.find('.') != absl::string_view::npos) return true;         // "U.S", "e.g"
  const std::string lower = absl::AsciiStrToLower(word);
  if (lower == "no") return word == "No";  // "No. 1", but "said no."
  for (absl::string_view a : kAbbreviations) {
    if (lower == a) return true;
  }
  return false;
}

bool EndsWithAbbreviation(absl::string_view before_dot) {
  size_t start = before_dot.find_last_of(" \t\n(\"");
  return IsAbbreviation(start == absl::string_view::npos ? before_dot
                                                         : before_dot.substr(start + 1));
}

void SplitLine(absl::string_view line, std::vector<std::string>* out) {
  size_t start = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c != '.' && c != '!' && c != '?') continue;
    size_t j = i + 1;
    // Closing quotes and brackets belong to the sentence.
    while (j < line.size() && (line[j] == '"' || line[j] == '\'' || line[j] == ')')) ++j;
    if (j < line.size() && !IsSpace(line[j])) continue;
    size_t k = j;
    while (k < line.size() && IsSpace(line[k])) ++k;
    if (k < line.size()) {
      const unsigned char next = static_cast<unsigned char>(line[k]);
      const bool opens = absl::ascii_isupper(next) || absl::ascii_isdigit(next) || next == '"' ||
                         next == '\'' || next == '(' || next >= 0x80;
      if (!opens) continue;
    }
    if (c == '.' && EndsWithAbbreviation(line.substr(start, i - start))) continue;
    absl::string_view s = absl::StripAsciiWhitespace(line.substr(start, j - start));
    if (!s.empty()) out->emplace_back(s);
    start = j;
  }
  absl::string_view rest = absl::StripAsciiWhitespace(line.substr(std::min(start, line.size())));
  if (!rest.empty()) out->emplace_back(rest);
}

// Finds a date starting at word i; returns its length in words, or 0.
size_t DateAt(const std::vector<Word>& w, size_t i) {
  auto ok = [&](size_t k) { return k < w.size(); };
  if (ok(i + 2) && IsDayNumber(w[i].text) && IsMonth(w[i + 1].text) && IsYearLike(w[i + 2].text)) {
    return 3;
  }
  if (ok(i + 2) && IsMonth(w[i].text) && IsDayNumber(w[i + 1].text) && IsYearLike(w[i + 2].text)) {
    return 3;
  }
  if (ok(i + 1) && IsMonth(w[i].text) && !w[i].break_after && IsYearLike(w[i + 1].text)) return 2;
  if (IsYearLike(w[i].text)) return 1;
  return 0;
}

std::string SpanText(absl::string_view text, const std::vector<Word>& w, size_t from, size_t to) {
  return std::string(text.substr(w[from].begin, w[to - 1].end - w[from].begin));
}

std::vector<Phrase> ExtractPhrases(absl::string_view text, const std::vector<Word>& w,
                                   const absl::flat_hash_set<std::string>& midsentence_capitals) {
  std::vector<Phrase> phrases;
  auto preposition_before = [&](size_t i) -> std::string {
    if (i == 0 || w[i - 1].break_after) return "";
    std::string lower = absl::AsciiStrToLower(w[i - 1].text);
    return IsPreposition(lower) ? lower : "";
  };
  // The main clause opens at word 0 or after an introductory phrase
  // ending in a comma ("In 1984, Vissi left ...").
  auto opens_clause = [&](size_t i) { return i == 0 || (i <= 6 && w[i - 1].break_after); };

  size_t i = 0;
  while (i < w.size()) {
    if (size_t n = DateAt(w, i); n > 0) {
      phrases.push_back(
          {SpanText(text, w, i, i + n), PhraseKind::kDate, i, i + n, preposition_before(i)});
      i += n;
      continue;
    }
    if (HasDigit(w[i].text)) {
      size_t j = i + 1;
      while (j < w.size() && j < i + 3 && !w[j - 1].break_after && IsLowerAlpha(w[j].text) &&
             !IsStopword(w[j].text)) {
        ++j;
      }
      phrases.push_back(
          {SpanText(text, w, i, j), PhraseKind::kNumber, i, j, preposition_before(i)});
      i = j;
      continue;
    }
    if (IsCapitalised(w[i].text)) {
      size_t j = i + 1;
      while (j < w.size() && !w[j - 1].break_after && DateAt(w, j) == 0) {
        if (IsCapitalised(w[j].text)) {
          ++j;
        } else if (IsNameConnector(w[j].text) && !w[j].break_after && j + 1 < w.size() &&
                   IsCapitalised(w[j + 1].text) && DateAt(w, j + 1) == 0) {
          j += 2;
        } else {
          break;
        }
      }
      const size_t run_start = i;
      size_t from = i;
      while (from < j && IsLeadingFunctionWord(absl::AsciiStrToLower(w[from].text))) ++from;
      const size_t end = j;
      bool is_name = from < end;
      if (is_name && end - from == 1) {
        const std::string first = absl::AsciiStrToLower(w[from].text);
        if (IsMonth(w[from].text) || IsWeekday(w[from].text) || w[from].text == "I" ||
            IsStopword(first)) {
          is_name = false;
        } else if (from == 0 && !midsentence_capitals.contains(first)) {
          // A lone capital at the start of a sentence is a name only if the
          // document also writes it capitalised mid-sentence.
          is_name = false;
        }
      }
      if (is_name) {
        i = j;
        Phrase p{SpanText(text, w, from, end), PhraseKind::kName, from, end,
                 preposition_before(from)};
        // "The University of California counted ..." opens with its subject;
        // "In Vancouver, ..." does not.
        bool only_articles = true;
        for (size_t k = run_start; k < from; ++k)
          only_articles = only_articles && w[k].text == "The";
        p.is_subject = only_articles && opens_clause(run_start) && end < w.size() &&
                       !w[end - 1].break_after && IsLowerAlpha(w[end].text) &&
                       !IsPreposition(w[end].text);
        phrases.push_back(std::move(p));
        continue;
      }
      // Not a name ("The album", "In"): a noun phrase may still start here.
    }
    const std::string lower = absl::AsciiStrToLower(w[i].text);
    if ((lower == "the" || lower == "a" || lower == "an") && !w[i].break_after) {
      size_t j = i + 1;
      while (j < w.size() && j < i + 4 && IsLowerAlpha(w[j].text) && !IsStopword(w[j].text)) {
        ++j;
        if (w[j - 1].break_after) break;
      }
      if (j > i + 1 && w[j - 1].text.size() >= 4) {
        phrases.push_back(
            {"the " + SpanText(text, w, i + 1, j), PhraseKind::kNoun, i, j, preposition_before(i)});
        i = j;
        continue;
      }
    }
    ++i;
  }
  return phrases;
}

}  // namespace

bool IsStopword(absl::string_view lower) {
  static const auto* stop = new absl::flat_hash_set<std::string>{
      // articles, pronouns, auxiliaries, prepositions, conjunctions
      "a", "an", "the", "this", "that", "these", "those", "it", "its", "they", "them", "their",
      "he", "him", "his", "she", "her", "hers", "we", "us", "our", "you", "your", "i", "me", "my",
      "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "done", "has",
      "have", "had", "having", "will", "would", "shall", "should", "can", "could", "may", "might",
      "must", "of", "in", "on", "at", "by", "for", "with", "from", "to", "into", "onto", "about",
      "as", "than", "then", "and", "or", "but", "nor", "so", "if", "because", "while", "after",
      "before", "during", "since", "until", "over", "under", "between", "through", "also", "not",
      "no", "yes", "there", "here", "which", "who", "whom", "whose", "what", "when", "where", "why",
      "how", "all", "any", "some", "such", "other", "more", "most", "very", "only", "just", "both",
      "each", "one", "own", "same", "too", "up", "out", "again", "further", "once", "s", "t", "in",
      "upon", "among", "within", "without",
      // words of the simulator's own question templates
      "passage", "document", "text", "say", "says", "tell", "mean", "means", "mention", "mentioned",
      "else", "know", "known", "happened", "happen", "connected", "connection", "related", "relate",
      "true", "clarify", "much", "many", "something", "explain", "elaborate", "describe",
      "anything", "please"};
  return stop->contains(std::string(lower));
}

std::string NormalizeWord(absl::string_view word) {
  size_t cut;
  word = StripEnds(word, &cut);
  std::string w = absl::AsciiStrToLower(word);
  for (absl::string_view suffix : {"'s", "\u2019s", "'"}) {
    if (absl::EndsWith(w, suffix)) {
      w.resize(w.size() - suffix.size());
      break;
    }
  }
  if (w.size() > 3 && w.back() == 's' && !absl::EndsWith(w, "ss") && !absl::EndsWith(w, "us") &&
      !absl::EndsWith(w, "is")) {
    w.pop_back();
  }
  return w;
}

std::vector<std::string> ContentWords(absl::string_view text) {
  std::vector<std::string> out;
  absl::flat_hash_set<std::string> seen;
  for (const Word& word : SplitWords(text)) {
    const std::string lower = absl::AsciiStrToLower(word.text);
    if (IsStopword(lower)) continue;
    std::string n = NormalizeWord(word.text);
    if (n.empty() || IsStopword(n)) continue;
    if (n.size() == 1 && !absl::ascii_isdigit(n[0])) continue;
    if (seen.insert(n).second) out.push_back(std::move(n));
  }
  return out;
}

std::string RepeatKey(absl::string_view text) {
  std::string key;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(u) || u >= 0x80) key.push_back(absl::ascii_tolower(u));
  }
  return key;
}

std::vector<Word> SplitWords(absl::string_view text) {
  std::vector<Word> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !IsSpace(text[i])) ++i;
    if (start == i) break;
    absl::string_view raw = text.substr(start, i - start);
    size_t front_cut;
    absl::string_view stripped = StripEnds(raw, &front_cut);
    if (stripped.empty()) {
      if (!words.empty()) words.back().break_after = true;
      continue;
    }
    if (front_cut > 0 && !words.empty()) words.back().break_after = true;
    Word w{stripped, start + front_cut, start + front_cut + stripped.size(),
           stripped.size() + front_cut < raw.size()};
    // "Dr." and "Jr." keep their period and do not end a phrase.
    const absl::string_view trailing = raw.substr(front_cut + stripped.size());
    if (absl::StartsWith(trailing, ".") && IsAbbreviation(stripped)) {
      w.text = raw.substr(front_cut, stripped.size() + 1);
      ++w.end;
      w.break_after = trailing.size() > 1;
    }
    // A possessive ends a phrase and is not part of it.
    for (absl::string_view suffix : {"'s", "\u2019s"}) {
      if (w.text.size() > suffix.size() && absl::EndsWith(w.text, suffix)) {
        w.text.remove_suffix(suffix.size());
        w.end -= suffix.size();
        w.break_after = true;
        break;
      }
    }
    words.push_back(w);
  }
  return words;
}

std::vector<std::string> SplitSentences(absl::string_view text) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty()) SplitLine(line, &out);
  }
  return out;
}

Passage::Passage(absl::string_view document) {
  std::vector<std::string> texts = SplitSentences(document);
  std::vector<std::vector<Word>> words(texts.size());
  for (size_t s = 0; s < texts.size(); ++s) {
    words[s] = SplitWords(texts[s]);
    for (size_t i = 1; i < words[s].size(); ++i) {
      if (IsCapitalised(words[s][i].text) && !words[s][i - 1].break_after) {
        midsentence_capitals_.insert(absl::AsciiStrToLower(words[s][i].text));
      }
    }
  }
  sentences_.reserve(texts.size());
  for (size_t s = 0; s < texts.size(); ++s) {
    Sentence sentence;
    sentence.word_count = words[s].size();
    sentence.phrases = ExtractPhrases(texts[s], words[s], midsentence_capitals_);
    for (std::string& w : ContentWords(texts[s])) {
      ++document_frequency_[w];
      sentence.content.insert(std::move(w));
    }
    for (const Word& w : words[s]) {
      if (IsPersonCue(absl::AsciiStrToLower(w.text))) sentence.mentions_person = true;
    }
    sentence.text = std::move(texts[s]);
    sentences_.push_back(std::move(sentence));
  }
}

std::vector<Phrase> Passage::FindPhrases(absl::string_view text) const {
  return ExtractPhrases(text, SplitWords(text), midsentence_capitals_);
}

double Passage::Weight(const std::string& word) const {
  auto it = document_frequency_.find(word);
  if (it == document_frequency_.end()) return 0;
  const size_t df = it->second;
  return 1.0 + std::log(static_cast<double>(sentences_.size()) / static_cast<double>(df));
}

double Passage::Overlap(const std::vector<std::string>& words, size_t i) const {
  if (i >= sentences_.size()) return 0;
  double score = 0;
  for (const std::string& w : words) {
    if (sentences_[i].content.contains(w)) score += Weight(w);
  }
  return score;
}

int Passage::BestMatch(const std::vector<std::string>& words) const {
  int best = -1;
  double best_score = 0;
  for (size_t i = 0; i < sentences_.size(); ++i) {
    const double score = Overlap(words, i);
    if (score > best_score) {
      best_score = score;
      best = static_cast<int>(i);
    }
  }
  return best;
}

}  // namespace codi
