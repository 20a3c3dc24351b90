#include "common/format/passage_chunker.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"

namespace codi {
namespace {

bool IsSpace(char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); }

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Closing quotes and brackets that may follow a sentence's final mark; their
// length in bytes at text[i], or 0.
size_t ClosingMarkLength(std::string_view text, size_t i) {
  const char c = text[i];
  if (c == '"' || c == '\'' || c == ')' || c == ']') return 1;
  // U+2019 and U+201D, the closing single and double quotation marks.
  if (text.substr(i, 3) == "\xE2\x80\x99" || text.substr(i, 3) == "\xE2\x80\x9D") return 3;
  return 0;
}

// CJK full stop, exclamation and question marks end a sentence without a
// space after them; their length in bytes at text[i], or 0.
size_t CjkSentenceEndLength(std::string_view text, size_t i) {
  for (std::string_view mark : {"\xE3\x80\x82", "\xEF\xBC\x81", "\xEF\xBC\x9F"}) {
    if (text.substr(i, mark.size()) == mark) return mark.size();
  }
  return 0;
}

// Whether the word that ends with the period at text[dot] is an abbreviation
// or an initial rather than the end of a sentence.
bool EndsAbbreviation(std::string_view text, size_t dot) {
  size_t start = dot;
  while (start > 0 && !IsSpace(text[start - 1])) --start;
  std::string_view word = text.substr(start, dot - start);
  while (!word.empty() && (word.front() == '(' || word.front() == '"' || word.front() == '\'')) {
    word.remove_prefix(1);
  }
  if (word.size() == 1 && absl::ascii_isalpha(static_cast<unsigned char>(word[0]))) return true;
  if (word.find('.') != std::string_view::npos) return true;  // e.g. "U.S." or "e.g."
  static constexpr std::string_view kAbbreviations[] = {
      "Mr",  "Mrs",    "Ms", "Dr",  "Prof", "Sr",  "Jr",   "St",  "Mt",   "vs",  "cf",  "Fig",
      "No",  "Vol",    "pp", "Inc", "Ltd",  "Co",  "Corp", "Gen", "Col",  "Lt",  "Sgt", "Rev",
      "Hon", "approx", "ca", "Jan", "Feb",  "Mar", "Apr",  "Aug", "Sept", "Oct", "Nov", "Dec"};
  return std::find(std::begin(kAbbreviations), std::end(kAbbreviations), word) !=
         std::end(kAbbreviations);
}

}  // namespace

size_t Utf8CharCount(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !IsContinuationByte(c); }));
}

std::string CollapseWhitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (char c : text) {
    if (IsSpace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::vector<std::string_view> SplitSentences(std::string_view text) {
  std::vector<std::string_view> sentences;
  size_t start = 0;
  auto add = [&](size_t end) {
    std::string_view sentence = text.substr(start, end - start);
    while (!sentence.empty() && IsSpace(sentence.back())) sentence.remove_suffix(1);
    if (!sentence.empty()) sentences.push_back(sentence);
    start = end;
    while (start < text.size() && IsSpace(text[start])) ++start;
  };
  while (start < text.size() && IsSpace(text[start])) ++start;
  for (size_t i = start; i < text.size(); ++i) {
    if (size_t cjk = CjkSentenceEndLength(text, i); cjk > 0) {
      add(i + cjk);
      i = start - 1;
      continue;
    }
    const char c = text[i];
    if (c != '.' && c != '!' && c != '?') continue;
    size_t end = i + 1;
    while (end < text.size()) {
      const size_t closing = ClosingMarkLength(text, end);
      if (closing == 0) break;
      end += closing;
    }
    if (end >= text.size() || !IsSpace(text[end])) continue;
    if (c == '.' && EndsAbbreviation(text, i)) continue;
    add(end);
    i = start - 1;  // start > i: add moved past the sentence
  }
  add(text.size());
  return sentences;
}

PassageChunker::PassageChunker(ChunkOptions options, Emit emit)
    : options_(options), emit_(std::move(emit)) {
  options_.chunk_chars = std::max<size_t>(options_.chunk_chars, 1);
  if (options_.overlap_chars >= options_.chunk_chars) options_.overlap_chars = 0;
}

bool PassageChunker::Fits(std::string_view separator, size_t piece_chars) const {
  const size_t joint = passage_.empty() ? 0 : Utf8CharCount(separator);
  return passage_chars_ + joint + piece_chars <= options_.chunk_chars;
}

void PassageChunker::AddParagraph(std::string_view text, bool continues) {
  const std::string paragraph = CollapseWhitespace(text);
  if (paragraph.empty()) {
    paragraph_open_ = paragraph_open_ && continues;
    return;
  }
  const std::string_view separator = paragraph_open_ ? " " : "\n\n";
  const size_t chars = Utf8CharCount(paragraph);
  if (Fits(separator, chars)) {
    AddPiece(paragraph, separator);
  } else if (chars <= options_.chunk_chars && !paragraph_open_) {
    // A paragraph that fits a passage of its own is not split.
    EmitPassage();
    StartPassage(paragraph, separator);
  } else {
    bool first = true;
    for (std::string_view sentence : SplitSentences(paragraph)) {
      AddPiece(sentence, first ? separator : " ");
      first = false;
    }
  }
  paragraph_open_ = continues;
}

void PassageChunker::AddPiece(std::string_view piece, std::string_view separator) {
  if (piece.empty()) return;
  const size_t chars = Utf8CharCount(piece);
  if (Fits(separator, chars)) {
    if (!passage_.empty()) passage_.append(separator);
    passage_.append(piece);
    passage_chars_ = Utf8CharCount(passage_);
    passage_has_new_ = true;
    return;
  }
  if (chars <= options_.chunk_chars) {
    EmitPassage();
    StartPassage(piece, separator);
    return;
  }
  // A sentence longer than a passage goes in word by word; a word longer
  // than a passage in cuts between characters.
  const size_t space = piece.find(' ');
  if (space != std::string_view::npos) {
    size_t word_start = 0;
    bool first = true;
    while (word_start <= piece.size()) {
      size_t word_end = piece.find(' ', word_start);
      if (word_end == std::string_view::npos) word_end = piece.size();
      if (word_end > word_start) {
        AddPiece(piece.substr(word_start, word_end - word_start), first ? separator : " ");
        first = false;
      }
      word_start = word_end + 1;
    }
    return;
  }
  size_t cut_start = 0, chars_in_cut = 0;
  bool first = true;
  for (size_t i = 0; i <= piece.size(); ++i) {
    const bool at_char_start = i == piece.size() || !IsContinuationByte(piece[i]);
    if (at_char_start && (chars_in_cut == options_.chunk_chars || i == piece.size())) {
      AddPiece(piece.substr(cut_start, i - cut_start), first ? separator : "");
      first = false;
      cut_start = i;
      chars_in_cut = 0;
    }
    if (i < piece.size() && !IsContinuationByte(piece[i])) ++chars_in_cut;
  }
}

void PassageChunker::StartPassage(std::string_view piece, std::string_view separator) {
  passage_ = overlap_;
  passage_chars_ = Utf8CharCount(passage_);
  if (!Fits(separator, Utf8CharCount(piece))) {
    passage_.clear();
    passage_chars_ = 0;
  }
  AddPiece(piece, separator);
}

void PassageChunker::EmitPassage() {
  if (!passage_has_new_) return;
  overlap_.clear();
  if (options_.overlap_chars > 0) {
    // The longest end of the passage within overlap_chars that starts a
    // sentence or paragraph, else one that starts a word; never the whole.
    const size_t total = passage_chars_;
    std::vector<size_t> sentence_starts;
    for (std::string_view s : SplitSentences(passage_)) {
      sentence_starts.push_back(static_cast<size_t>(s.data() - passage_.data()));
    }
    size_t best_sentence = std::string::npos, best_word = std::string::npos;
    size_t prefix_chars = 0;
    for (size_t i = 0; i < passage_.size(); ++i) {
      if (i > 0 && total - prefix_chars <= options_.overlap_chars && !IsSpace(passage_[i]) &&
          IsSpace(passage_[i - 1])) {
        if (best_word == std::string::npos) best_word = i;
        if (best_sentence == std::string::npos &&
            (std::binary_search(sentence_starts.begin(), sentence_starts.end(), i) ||
             (i >= 2 && passage_[i - 1] == '\n' && passage_[i - 2] == '\n'))) {
          best_sentence = i;
        }
      }
      if (!IsContinuationByte(passage_[i])) ++prefix_chars;
    }
    const size_t from = best_sentence != std::string::npos ? best_sentence : best_word;
    if (from != std::string::npos) overlap_ = passage_.substr(from);
  }
  emit_(std::move(passage_));
  passage_.clear();
  passage_chars_ = 0;
  passage_has_new_ = false;
}

void PassageChunker::Finish() {
  EmitPassage();
  passage_.clear();
  passage_chars_ = 0;
  overlap_.clear();
  paragraph_open_ = false;
}

}  // namespace codi
