#include "common/report_html/html_text.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"
#include "common/base/utf8.h"

namespace codi {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  size_t i = 0;
  while (i < text.size()) {
    const size_t n = Utf8SequenceLength(text, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    const char c = text[i++];
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\0':
        out += kReplacement;  // HTML parsers drop or replace NUL; say so visibly
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string ShortenText(std::string_view text, size_t max_chars) {
  std::string out;
  size_t i = 0, chars = 0;
  while (i < text.size()) {
    if (chars == max_chars) {
      // Keep room for the ellipsis: drop the last code point kept.
      while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) {
        out.pop_back();
      }
      if (!out.empty()) out.pop_back();
      return out + "\xE2\x80\xA6";  // U+2026
    }
    const size_t n = Utf8SequenceLength(text, i);
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
    ++chars;
  }
  return out;
}

std::string HumanizeKey(std::string_view key) {
  std::string out(key);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

std::string FormatNumber(double value) {
  if (!std::isfinite(value)) return std::isnan(value) ? "NaN" : (value > 0 ? "∞" : "-∞");
  if (value == std::round(value) && std::fabs(value) < 1e15) {
    return absl::StrFormat("%.0f", value);
  }
  std::string s =
      std::fabs(value) >= 1000 ? absl::StrFormat("%.1f", value) : absl::StrFormat("%.4f", value);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

}  // namespace codi
