// Text into HTML: every string a report holds (job names, document paths,
// failure reasons, link names, JSON keys) comes from users or documents and is
// untrusted, so it reaches the page only through these functions.
#pragma once

#include <string>
#include <string_view>

namespace codi {

// `text` with & < > " ' as character references, so it is inert both as
// element text and inside a quoted attribute; bytes that are not well-formed
// UTF-8 become U+FFFD, so the page is valid UTF-8 whatever the input.
std::string HtmlEscape(std::string_view text);

// At most `max_chars` code points of `text` (invalid bytes counted as one
// U+FFFD each), with "…" in place of what was cut; not escaped.
std::string ShortenText(std::string_view text, size_t max_chars);

// A JSON key for people: "observed_per_conversation" -> "observed per
// conversation"; not escaped.
std::string HumanizeKey(std::string_view key);

// A number as a report shows it: integers without a fraction, others with up
// to four decimals and no trailing zeros ("0.8213", "84.2", "1200").
std::string FormatNumber(double value);

}  // namespace codi
