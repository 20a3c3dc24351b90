#include "common/eval/answer_metrics.h"

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "common/base/utf8.h"

namespace codi {
namespace {

// One code point of a string: its value, or the byte itself (as a value
// above U+10FFFF) where the UTF-8 is not well formed, so bad bytes pass through.
struct CodePoint {
  uint32_t value;
};
constexpr uint32_t kRawByte = 0x110000;

std::vector<CodePoint> Decode(std::string_view s) {
  std::vector<CodePoint> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8SequenceLength(s, i);
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (n == 0) {
      out.push_back({kRawByte + b0});
      ++i;
      continue;
    }
    uint32_t v = n == 1 ? b0 : n == 2 ? (b0 & 0x1Fu) : n == 3 ? (b0 & 0x0Fu) : (b0 & 0x07u);
    for (size_t k = 1; k < n; ++k) v = (v << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    out.push_back({v});
    i += n;
  }
  return out;
}

void Encode(uint32_t v, std::string* out) {
  if (v >= kRawByte) {
    out->push_back(static_cast<char>(v - kRawByte));
  } else {
    AppendUtf8(v, out);
  }
}

// str.lower() for the scripts most answers are in.
uint32_t Lower(uint32_t v) {
  if (v >= 'A' && v <= 'Z') return v + 32;
  if (v < 0xC0) return v;
  if (v <= 0xDE) return v == 0xD7 ? v : v + 32;  // Latin-1, not the multiplication sign
  if (v >= 0x100 && v <= 0x17F) {                // Latin Extended-A: pairs
    if (v == 0x130 || v == 0x138 || v == 0x149 || v == 0x17F) return v;
    if (v == 0x178) return 0xFF;
    const bool odd_pairs = (v >= 0x139 && v <= 0x148) || (v >= 0x179 && v <= 0x17E);
    return (v % 2 == (odd_pairs ? 1u : 0u)) ? v + 1 : v;
  }
  if (v >= 0x391 && v <= 0x3A9 && v != 0x3A2) return v + 32;  // Greek
  if (v >= 0x410 && v <= 0x42F) return v + 32;                // Cyrillic
  if (v >= 0x400 && v <= 0x40F) return v + 80;
  return v;
}

// Python's str.split() separators.
bool IsSpace(uint32_t v) {
  return v == ' ' || (v >= 0x09 && v <= 0x0D) || (v >= 0x1C && v <= 0x1F) || v == 0x85 ||
         v == 0xA0 || v == 0x1680 || (v >= 0x2000 && v <= 0x200A) || v == 0x2028 || v == 0x2029 ||
         v == 0x202F || v == 0x205F || v == 0x3000;
}

// Python's string.punctuation: ASCII only.
bool IsAsciiPunct(uint32_t v) { return v < 0x80 && absl::ascii_ispunct(static_cast<char>(v)); }

// A word character for \b in a Unicode regex: letters, digits and '_'. Outside
// ASCII, symbol and punctuation blocks are not; other code points are taken
// to be letters.
bool IsWordChar(uint32_t v) {
  if (v < 0x80) return absl::ascii_isalnum(static_cast<char>(v)) || v == '_';
  if (v >= kRawByte || IsSpace(v)) return false;
  if (v < 0xC0) {
    return v == 0xAA || v == 0xB2 || v == 0xB3 || v == 0xB5 || v == 0xB9 || v == 0xBA ||
           (v >= 0xBC && v <= 0xBE);
  }
  if (v == 0xD7 || v == 0xF7) return false;
  if (v >= 0x2000 && v <= 0x2BFF) return false;  // punctuation, currency, arrows, maths, boxes
  if (v >= 0x3000 && v <= 0x303F) return false;  // CJK punctuation
  if (v >= 0xFE30 && v <= 0xFE4F) return false;
  if (v >= 0xFF00 && v <= 0xFF0F) return false;
  return true;
}

bool MatchesAsciiAt(const std::vector<CodePoint>& cps, size_t i, absl::string_view word) {
  if (i + word.size() > cps.size()) return false;
  for (size_t k = 0; k < word.size(); ++k) {
    if (cps[i + k].value != static_cast<unsigned char>(word[k])) return false;
  }
  return true;
}

size_t SharedTokens(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  absl::flat_hash_map<absl::string_view, int> counts;
  for (const auto& t : a) ++counts[t];
  size_t same = 0;
  for (const auto& t : b) {
    auto it = counts.find(t);
    if (it != counts.end() && it->second > 0) {
      --it->second;
      ++same;
    }
  }
  return same;
}

double HarmonicMean(double precision, double recall) {
  return 2 * precision * recall / (precision + recall);
}

absl::string_view Trim(absl::string_view s) {
  while (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

}  // namespace

std::string NormalizeAnswer(absl::string_view text) {
  // lower, then remove_punc.
  std::vector<uint32_t> cps;
  for (const CodePoint& cp : Decode(std::string_view(text.data(), text.size()))) {
    const uint32_t v = Lower(cp.value);
    if (!IsAsciiPunct(v)) cps.push_back(v);
  }
  // remove_articles: \b(a|an|the)\b -> ' ', scanning left to right over the
  // text as it was before any replacement (as re.sub does).
  std::vector<CodePoint> view;
  view.reserve(cps.size());
  for (uint32_t v : cps) view.push_back({v});
  std::vector<uint32_t> no_articles;
  no_articles.reserve(cps.size());
  for (size_t i = 0; i < view.size();) {
    const bool boundary_before = i == 0 || !IsWordChar(view[i - 1].value);
    size_t matched = 0;
    if (boundary_before && IsWordChar(view[i].value)) {
      for (absl::string_view article : {"a", "an", "the"}) {
        if (MatchesAsciiAt(view, i, article) &&
            (i + article.size() == view.size() || !IsWordChar(view[i + article.size()].value))) {
          matched = article.size();
          break;
        }
      }
    }
    if (matched > 0) {
      no_articles.push_back(' ');
      i += matched;
    } else {
      no_articles.push_back(view[i].value);
      ++i;
    }
  }
  // white_space_fix.
  std::string out;
  bool pending_space = false;
  for (uint32_t v : no_articles) {
    if (IsSpace(v)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    Encode(v, &out);
  }
  return out;
}

std::vector<std::string> AnswerTokens(absl::string_view text) {
  std::vector<std::string> tokens;
  const std::string normalized = NormalizeAnswer(text);
  size_t start = 0;
  while (start < normalized.size()) {
    size_t end = normalized.find(' ', start);
    if (end == std::string::npos) end = normalized.size();
    if (end > start) tokens.push_back(normalized.substr(start, end - start));
    start = end + 1;
  }
  return tokens;
}

double CoqaF1(absl::string_view reference, absl::string_view prediction) {
  const std::vector<std::string> gold = AnswerTokens(reference);
  const std::vector<std::string> pred = AnswerTokens(prediction);
  if (gold.empty() || pred.empty()) return gold == pred ? 1.0 : 0.0;
  const size_t same = SharedTokens(gold, pred);
  if (same == 0) return 0.0;
  return HarmonicMean(static_cast<double>(same) / static_cast<double>(pred.size()),
                      static_cast<double>(same) / static_cast<double>(gold.size()));
}

double CoqaRecall(absl::string_view reference, absl::string_view prediction) {
  const std::vector<std::string> gold = AnswerTokens(reference);
  const std::vector<std::string> pred = AnswerTokens(prediction);
  if (gold.empty() || pred.empty()) return gold == pred ? 1.0 : 0.0;
  return static_cast<double>(SharedTokens(gold, pred)) / static_cast<double>(gold.size());
}

bool CoqaExact(absl::string_view reference, absl::string_view prediction) {
  return NormalizeAnswer(reference) == NormalizeAnswer(prediction);
}

CoqaScore CoqaTurnScore(const std::vector<std::string>& references, absl::string_view prediction) {
  CoqaScore total;
  if (references.empty()) return total;
  auto best_over = [&](size_t left_out) {
    CoqaScore best;
    for (size_t k = 0; k < references.size(); ++k) {
      if (k == left_out) continue;
      best.f1 = std::max(best.f1, CoqaF1(references[k], prediction));
      best.recall = std::max(best.recall, CoqaRecall(references[k], prediction));
      best.exact = std::max(best.exact, CoqaExact(references[k], prediction) ? 1.0 : 0.0);
    }
    return best;
  };
  if (references.size() == 1) return best_over(references.size());
  for (size_t i = 0; i < references.size(); ++i) {
    const CoqaScore s = best_over(i);
    total.f1 += s.f1;
    total.recall += s.recall;
    total.exact += s.exact;
  }
  const auto n = static_cast<double>(references.size());
  return {total.f1 / n, total.recall / n, total.exact / n};
}

double QuacF1(absl::string_view prediction, absl::string_view reference) {
  const std::vector<std::string> pred = AnswerTokens(prediction);
  const std::vector<std::string> gold = AnswerTokens(reference);
  const size_t same = SharedTokens(pred, gold);
  if (same == 0) return 0.0;
  return HarmonicMean(static_cast<double>(same) / static_cast<double>(pred.size()),
                      static_cast<double>(same) / static_cast<double>(gold.size()));
}

std::vector<std::string> QuacHandleCannot(const std::vector<std::string>& references) {
  size_t cannot = 0;
  for (const auto& r : references) cannot += r == kCannotAnswer ? 1 : 0;
  if (cannot >= references.size() - cannot) return {std::string(kCannotAnswer)};
  std::vector<std::string> spans;
  for (const auto& r : references) {
    if (r != kCannotAnswer) spans.push_back(r);
  }
  return spans;
}

double QuacHumanF1(const std::vector<std::string>& references) {
  if (references.size() <= 1) return 1.0;
  double total = 0;
  for (size_t i = 0; i < references.size(); ++i) {
    double best = 0;
    for (size_t j = 0; j < references.size(); ++j) {
      if (i != j) best = std::max(best, QuacF1(references[i], references[j]));
    }
    total += best;
  }
  return total / static_cast<double>(references.size());
}

double QuacSingleScore(absl::string_view prediction, absl::string_view reference) {
  if (reference == kCannotAnswer) return prediction == kCannotAnswer ? 1.0 : 0.0;
  return QuacF1(prediction, reference);
}

QuacScore QuacTurnScore(const std::vector<std::string>& references, absl::string_view prediction,
                        double min_f1) {
  QuacScore score;
  if (references.empty()) return score;
  const std::vector<std::string> refs = QuacHandleCannot(references);
  const absl::string_view pred = Trim(prediction);
  score.unanswerable = refs.size() == 1 && refs[0] == kCannotAnswer;
  score.human_f1 = QuacHumanF1(refs);
  score.counted = score.human_f1 >= min_f1;
  auto best_over = [&](size_t left_out) {
    double best = 0;
    for (size_t k = 0; k < refs.size(); ++k) {
      if (k != left_out) best = std::max(best, QuacSingleScore(pred, refs[k]));
    }
    return best;
  };
  if (refs.size() == 1) {
    score.f1 = best_over(refs.size());
    return score;
  }
  double total = 0;
  for (size_t i = 0; i < refs.size(); ++i) total += best_over(i);
  score.f1 = total / static_cast<double>(refs.size());
  return score;
}

}  // namespace codi
