#include "common/format/html_text.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/base/utf8.h"
#include "common/format/passage_chunker.h"

namespace codi {
namespace {

// Elements whose whole content is dropped.
constexpr std::string_view kDroppedElements[] = {"script", "style",  "noscript", "template",
                                                 "svg",    "iframe", "nav",      "header",
                                                 "footer", "object", "canvas"};
// Elements whose content is raw text: no tags inside, the first end tag ends them.
constexpr std::string_view kRawTextElements[] = {"script", "style", "title", "textarea"};
// Elements that start and end a paragraph.
constexpr std::string_view kBlockElements[] = {
    "p",       "div",   "h1",       "h2",         "h3",      "h4",      "h5",
    "h6",      "li",    "ul",       "ol",         "dl",      "dt",      "dd",
    "tr",      "table", "section",  "article",    "main",    "aside",   "blockquote",
    "pre",     "hr",    "figure",   "figcaption", "caption", "address", "details",
    "summary", "form",  "fieldset", "body",       "html",    "center"};

template <size_t N>
bool OneOf(std::string_view name, const std::string_view (&names)[N]) {
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':';
}

// A character reference's code point as UTF-8; U+FFFD for NUL, surrogates and
// anything above U+10FFFF (as HTML's parser does).
void AppendReferenced(uint32_t code_point, std::string* out) {
  if (code_point == 0 || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    code_point = 0xFFFD;
  }
  AppendUtf8(code_point, out);
}

// The code point of a named reference (without '&' and ';'), or 0.
uint32_t NamedEntity(std::string_view name) {
  static constexpr std::pair<std::string_view, uint32_t> kNamed[] = {
      {"amp", '&'},       {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
      {"apos", '\''},     {"nbsp", ' '},     {"ensp", ' '},     {"emsp", ' '},
      {"thinsp", ' '},    {"shy", 0xAD},     {"ndash", 0x2013}, {"mdash", 0x2014},
      {"hellip", 0x2026}, {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"sbquo", 0x201A},
      {"ldquo", 0x201C},  {"rdquo", 0x201D}, {"bdquo", 0x201E}, {"laquo", 0xAB},
      {"raquo", 0xBB},    {"copy", 0xA9},    {"reg", 0xAE},     {"trade", 0x2122},
      {"deg", 0xB0},      {"middot", 0xB7},  {"bull", 0x2022},  {"times", 0xD7},
      {"divide", 0xF7},   {"minus", 0x2212}, {"plusmn", 0xB1},  {"frac12", 0xBD},
      {"frac14", 0xBC},   {"frac34", 0xBE},  {"sup2", 0xB2},    {"sup3", 0xB3},
      {"micro", 0xB5},    {"para", 0xB6},    {"sect", 0xA7},    {"euro", 0x20AC},
      {"pound", 0xA3},    {"yen", 0xA5},     {"cent", 0xA2},    {"iexcl", 0xA1},
      {"iquest", 0xBF},   {"prime", 0x2032}, {"Prime", 0x2033}, {"larr", 0x2190},
      {"rarr", 0x2192},   {"uarr", 0x2191},  {"darr", 0x2193},  {"harr", 0x2194},
      {"le", 0x2264},     {"ge", 0x2265},    {"ne", 0x2260},    {"asymp", 0x2248},
      {"infin", 0x221E},  {"aacute", 0xE1},  {"Aacute", 0xC1},  {"agrave", 0xE0},
      {"Agrave", 0xC0},   {"acirc", 0xE2},   {"auml", 0xE4},    {"Auml", 0xC4},
      {"atilde", 0xE3},   {"aring", 0xE5},   {"aelig", 0xE6},   {"ccedil", 0xE7},
      {"Ccedil", 0xC7},   {"eacute", 0xE9},  {"Eacute", 0xC9},  {"egrave", 0xE8},
      {"Egrave", 0xC8},   {"ecirc", 0xEA},   {"euml", 0xEB},    {"iacute", 0xED},
      {"Iacute", 0xCD},   {"igrave", 0xEC},  {"icirc", 0xEE},   {"iuml", 0xEF},
      {"ntilde", 0xF1},   {"Ntilde", 0xD1},  {"oacute", 0xF3},  {"Oacute", 0xD3},
      {"ograve", 0xF2},   {"ocirc", 0xF4},   {"ouml", 0xF6},    {"Ouml", 0xD6},
      {"otilde", 0xF5},   {"oslash", 0xF8},  {"Oslash", 0xD8},  {"uacute", 0xFA},
      {"Uacute", 0xDA},   {"ugrave", 0xF9},  {"ucirc", 0xFB},   {"uuml", 0xFC},
      {"Uuml", 0xDC},     {"yacute", 0xFD},  {"yuml", 0xFF},    {"szlig", 0xDF},
      {"alpha", 0x3B1},   {"beta", 0x3B2},   {"gamma", 0x3B3},  {"delta", 0x3B4},
      {"pi", 0x3C0},      {"mu", 0x3BC},     {"sigma", 0x3C3},  {"omega", 0x3C9}};
  for (const auto& [entity, code_point] : kNamed) {
    if (entity == name) return code_point;
  }
  return 0;
}

// Finds `</name` (any case) at or after `from`, followed by a character that
// cannot continue the name; npos if none.
size_t FindEndTag(std::string_view html, size_t from, std::string_view name) {
  for (size_t i = html.find("</", from); i != std::string_view::npos; i = html.find("</", i + 2)) {
    const size_t after = i + 2 + name.size();
    if (after <= html.size() &&
        absl::EqualsIgnoreCase(absl::string_view(html.data() + i + 2, name.size()),
                               absl::string_view(name.data(), name.size())) &&
        (after == html.size() || !IsNameChar(html[after]))) {
      return i;
    }
  }
  return std::string_view::npos;
}

struct Tag {
  std::string name;  // lower case
  bool closing = false;
  bool self_closing = false;
  size_t end = 0;  // just past the '>'
};

// Parses the tag that starts at html[pos] == '<'; false if no tag starts there.
bool ParseTag(std::string_view html, size_t pos, Tag* tag) {
  size_t i = pos + 1;
  tag->closing = i < html.size() && html[i] == '/';
  if (tag->closing) ++i;
  if (i >= html.size() || !absl::ascii_isalpha(static_cast<unsigned char>(html[i]))) return false;
  const size_t name_start = i;
  while (i < html.size() && IsNameChar(html[i])) ++i;
  tag->name = absl::AsciiStrToLower(absl::string_view(html.data() + name_start, i - name_start));
  char quote = 0;
  for (; i < html.size(); ++i) {
    const char c = html[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      tag->self_closing = i > pos && html[i - 1] == '/';
      tag->end = i + 1;
      return true;
    }
  }
  tag->end = html.size();  // an unterminated tag runs to the end
  return true;
}

// Index just past the element `name` whose start tag ends at `from`,
// counting nested elements of the same name; the end of the input if it is
// never closed.
size_t SkipElement(std::string_view html, size_t from, const std::string& name) {
  if (OneOf(name, kRawTextElements)) {
    const size_t end = FindEndTag(html, from, name);
    if (end == std::string_view::npos) return html.size();
    Tag tag;
    return ParseTag(html, end, &tag) ? tag.end : html.size();
  }
  int depth = 1;
  for (size_t i = html.find('<', from); i != std::string_view::npos; i = html.find('<', i + 1)) {
    Tag tag;
    if (html.substr(i, 4) == "<!--") {
      const size_t close = html.find("-->", i + 4);
      if (close == std::string_view::npos) return html.size();
      i = close + 2;
      continue;
    }
    if (!ParseTag(html, i, &tag)) continue;
    if (tag.name == name && !tag.self_closing) depth += tag.closing ? -1 : 1;
    if (depth == 0) return tag.end;
    i = tag.end - 1;
  }
  return html.size();
}

}  // namespace

std::string DecodeHtmlEntities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    // References are short; a ';' further away is not this one's.
    const size_t semicolon = text.find(';', i + 1);
    if (semicolon == std::string_view::npos || semicolon - i > 32) {
      out.push_back('&');
      continue;
    }
    std::string_view body = text.substr(i + 1, semicolon - i - 1);
    uint32_t code_point = 0;
    bool known = false;
    if (body.size() >= 2 && body[0] == '#') {
      const bool hex = body[1] == 'x' || body[1] == 'X';
      std::string_view digits = body.substr(hex ? 2 : 1);
      known = !digits.empty() && digits.size() <= 8;
      for (char c : digits) {
        if (!(hex ? absl::ascii_isxdigit(static_cast<unsigned char>(c))
                  : absl::ascii_isdigit(static_cast<unsigned char>(c)))) {
          known = false;
          break;
        }
        const uint32_t digit = absl::ascii_isdigit(static_cast<unsigned char>(c))
                                   ? static_cast<uint32_t>(c - '0')
                                   : static_cast<uint32_t>(absl::ascii_tolower(c) - 'a' + 10);
        code_point = std::min<uint32_t>(code_point * (hex ? 16 : 10) + digit, 0x110000);
      }
    } else {
      code_point = NamedEntity(body);
      known = code_point != 0;
    }
    if (!known) {
      out.push_back('&');
      continue;
    }
    if (code_point != 0xAD) AppendReferenced(code_point, &out);  // a soft hyphen is invisible
    i = semicolon;
  }
  return out;
}

HtmlText HtmlToText(std::string_view html) {
  HtmlText result;
  std::string paragraph;  // raw text of the paragraph in progress
  std::string first_h1;
  bool in_h1 = false;
  auto end_paragraph = [&] {
    std::string text = CollapseWhitespace(DecodeHtmlEntities(paragraph));
    if (!text.empty()) result.paragraphs.push_back(std::move(text));
    paragraph.clear();
  };
  size_t i = 0;
  while (i < html.size()) {
    const size_t lt = html.find('<', i);
    paragraph.append(
        html.substr(i, lt == std::string_view::npos ? std::string_view::npos : lt - i));
    if (lt == std::string_view::npos) break;
    i = lt;
    if (html.substr(i, 4) == "<!--") {
      const size_t close = html.find("-->", i + 4);
      i = close == std::string_view::npos ? html.size() : close + 3;
      continue;
    }
    if (i + 1 < html.size() && (html[i + 1] == '!' || html[i + 1] == '?')) {
      const size_t close = html.find('>', i);
      i = close == std::string_view::npos ? html.size() : close + 1;
      continue;
    }
    Tag tag;
    if (!ParseTag(html, i, &tag)) {
      paragraph.push_back('<');
      ++i;
      continue;
    }
    i = tag.end;
    if (!tag.closing && tag.name == "title") {
      const size_t end = FindEndTag(html, i, "title");
      std::string_view raw =
          html.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
      if (result.title.empty()) result.title = CollapseWhitespace(DecodeHtmlEntities(raw));
      i = SkipElement(html, i, "title");
      continue;
    }
    if (!tag.closing && !tag.self_closing && OneOf(tag.name, kDroppedElements)) {
      i = SkipElement(html, i, tag.name);
      continue;
    }
    if (tag.name == "h1") {
      if (!tag.closing) {
        end_paragraph();
        in_h1 = first_h1.empty();
      } else if (in_h1) {
        first_h1 = CollapseWhitespace(DecodeHtmlEntities(paragraph));
        in_h1 = false;
      }
    }
    if (tag.name == "br" || tag.name == "td" || tag.name == "th" || tag.name == "img") {
      paragraph.push_back(' ');
    } else if (OneOf(tag.name, kBlockElements)) {
      end_paragraph();
    }
  }
  end_paragraph();
  if (result.title.empty()) result.title = std::move(first_h1);
  return result;
}

}  // namespace codi
