#include "common/format/html_text.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace codi {
namespace {

TEST(HtmlToText, DropsScriptStyleAndPageChromeAndKeepsTheText) {
  HtmlText text = HtmlToText(R"(<!DOCTYPE html>
<html><head><title>Caf&eacute; &amp; Bar</title>
<style>p { color: red }</style><script>var s = "<p>not text</p>";</script></head>
<body><header><a href="/">Site</a></header><nav><ul><li>Home</li><li>About</li></ul></nav>
<!-- a comment <p>hidden</p> -->
<h1>Heading</h1>
<p>First <b>bold</b> &mdash; &#233;t&#xE9; &lt;tag&gt;.</p>
<div>Second<br>line</div>
<noscript>Enable JavaScript</noscript>
<footer>Copyright</footer></body></html>)");
  EXPECT_EQ(text.title, "Café & Bar");
  EXPECT_EQ(text.paragraphs,
            (std::vector<std::string>{"Heading", "First bold — été <tag>.", "Second line"}));
}

TEST(HtmlToText, TakesTheTitleFromTheFirstH1WithoutATitleElement) {
  HtmlText text = HtmlToText("<h1>  The <i>Page</i>\n</h1><p>Body.</p><h1>Later</h1>");
  EXPECT_EQ(text.title, "The Page");
  EXPECT_EQ(text.paragraphs, (std::vector<std::string>{"The Page", "Body.", "Later"}));
}

TEST(HtmlToText, NestedDroppedElementsAndBrokenMarkupNeverFail) {
  HtmlText text =
      HtmlToText("<nav><nav>inner</nav>still nav</nav><p>kept</p><p a='>'>x < y</p><p>unclosed <b");
  EXPECT_EQ(text.paragraphs[0], "kept");
  EXPECT_EQ(text.paragraphs[1], "x < y");
  EXPECT_EQ(text.paragraphs.size(), 3u);
  for (const char* input : {"<", "<script>", "<!--", "</", "<a href=\"", "&#", "&#x110000;"}) {
    HtmlToText(input);  // terminates, whatever it returns
  }
}

TEST(DecodeHtmlEntities, DecodesNamedAndNumericReferencesAndLeavesUnknownOnes) {
  EXPECT_EQ(DecodeHtmlEntities("a&nbsp;b &amp;amp; &#65;&#x42; &bogus; & alone &#xD800;"),
            "a b &amp; AB &bogus; & alone \xEF\xBF\xBD");
}

}  // namespace
}  // namespace codi
