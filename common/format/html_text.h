// Readable text from a web page, for `codi import-text`: tags stripped, the
// content of script, style, noscript, template, svg, iframe, nav, header and
// footer elements dropped (code and site chrome, not the page's text),
// character references decoded, and block elements (p, div, headings, list
// items, table rows, ...) made paragraph breaks. Not a conforming HTML parser:
// a forgiving scan that never fails, whatever the input.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace codi {

struct HtmlText {
  // From <title>, else the first <h1>; whitespace collapsed. May be empty.
  std::string title;
  // Paragraphs in document order, whitespace collapsed, none empty.
  std::vector<std::string> paragraphs;
};

HtmlText HtmlToText(std::string_view html);

// Decodes character references: named ones (&amp;, &nbsp;, &mdash;, ... a
// common subset of HTML's list) and numeric ones (&#233; &#xE9;). A reference
// not known or not ended by ';' is left as it is; a numeric one naming no
// character becomes U+FFFD. &nbsp; becomes a plain space.
std::string DecodeHtmlEntities(std::string_view text);

}  // namespace codi
