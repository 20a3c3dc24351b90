#include "common/report_html/report_html.h"

#include <filesystem>
#include <fstream>
#include <regex>

#include "common/report_html/html_text.h"
#include "common/report_html/svg_chart.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace codi {
namespace {

using Json = nlohmann::ordered_json;

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// A report as BuildJobReport writes it, with a quality section of the kind
// added after this page was written.
Json SampleReport() {
  return Json::parse(R"({
    "job": "qa-demo", "state": "succeeded",
    "documents": {"path": "docs.jsonl", "accepted": 50, "skipped": 1,
                  "skipped_examples": [{"line": 7, "reason": "missing text"}]},
    "conversations": {"created": 150, "done": 148, "failed": 2, "in_progress": 0},
    "failures_by_reason": {"validation:refusal": 2},
    "teacher": {"calls": 900, "retries": 3, "regenerations": 5,
                "regenerations_by_reason": {"refusal": 5}, "prompt_tokens": 482242,
                "completion_tokens": 12251, "cached_tokens": 396080,
                "prefix_cache_hit_ratio": 0.8213},
    "links": [{"link": "ask_fact", "observed_per_conversation": 1.0,
               "expected_per_conversation": 1.0},
              {"link": "switch_topic", "observed_per_conversation": 0.4267,
               "expected_per_conversation": 0.4444}],
    "phenomena": [{"phenomenon": "coreference", "observed_per_conversation": 1.0933,
                   "expected_per_conversation": 1.0667}],
    "turn_lengths": {"AGENT": {"count": 450, "mean_chars": 84.2, "p50_chars": 70,
                               "p90_chars": 158, "max_chars": 356,
                               "histogram_chars": {"0-49": 100, "50-99": 200, "100-149": 90,
                                                   "150-199": 40, "200-249": 0,
                                                   "250-299": 15, "300-349": 4,
                                                   "350-399": 1}}},
    "turns": 900,
    "distinct_n": {"distinct_1": 0.2317, "distinct_2": 0.4465, "distinct_3": 0.5267},
    "quality": {"grounding_share": 0.97,
                "question_repetition": {"rate": 0.01},
                "prefix_cache_ratio_by_turn": [{"turn": 1, "ratio": 0.1},
                                               {"turn": 2, "ratio": 0.8}],
                "distinct_n_by_role": {"USER": {"distinct_1": 0.3, "distinct_2": 0.5}}}
  })");
}

TEST(HtmlText, EscapesMarkupAndQuotes) {
  EXPECT_EQ(HtmlEscape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;");
  EXPECT_EQ(HtmlEscape("héllo · 日本"), "héllo · 日本");
}

TEST(HtmlText, ReplacesInvalidUtf8) {
  EXPECT_EQ(HtmlEscape(std::string("a\xff<b", 4)), "a\xEF\xBF\xBD&lt;b");
  EXPECT_EQ(HtmlEscape(std::string("a\0b", 3)),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(ShortenText("\xC3", 5), "\xEF\xBF\xBD");
}

TEST(HtmlText, ShortensByCodePoints) {
  EXPECT_EQ(ShortenText("abcdef", 6), "abcdef");
  EXPECT_EQ(ShortenText("abcdefg", 6), "abcde\xE2\x80\xA6");
  EXPECT_EQ(ShortenText("ééééééé", 3), "éé\xE2\x80\xA6");
}

TEST(HtmlText, FormatsNumbers) {
  EXPECT_EQ(FormatNumber(900), "900");
  EXPECT_EQ(FormatNumber(0.8213), "0.8213");
  EXPECT_EQ(FormatNumber(84.2), "84.2");
  EXPECT_EQ(FormatNumber(1.0 / 3), "0.3333");
  EXPECT_EQ(FormatNumber(12345.678), "12345.7");
  EXPECT_EQ(FormatNumber(-0.00001), "0");
}

TEST(SvgChart, NiceCeilingRoundsUpToOneTwoOrFive) {
  EXPECT_EQ(NiceCeiling(0), 1);
  EXPECT_EQ(NiceCeiling(0.8213), 1);
  EXPECT_EQ(NiceCeiling(1.0933), 2);
  EXPECT_EQ(NiceCeiling(2.2), 2.5);
  EXPECT_EQ(NiceCeiling(356), 500);
  EXPECT_EQ(NiceCeiling(1000), 1000);
}

TEST(SvgChart, DrawsOneBarPerValueWithItsTitle) {
  const std::string svg = HorizontalBarChart(
      {"a", "b<"}, {{"observed", {1.0, 0.5}}, {"expected", {1.0, std::nullopt}}});
  EXPECT_EQ(Count(svg, "<rect class=\"bar\""), 3u);
  EXPECT_NE(svg.find("<title>b&lt; · observed: 0.5</title>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("fill=\"#bab0ac\""), std::string::npos) << "expected is grey";
  // The longest bar spans the plot; half the value, half the width.
  EXPECT_NE(svg.find("width=\"480.0\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("width=\"240.0\""), std::string::npos) << svg;
}

TEST(SvgChart, LineChartHasAPointPerValue) {
  const std::string svg = LineChart(
      {1, 2, 3}, "turn", {{"f1", {0.9, 0.8, 0.7}}, {"recall", {0.95, std::nullopt, 0.8}}});
  EXPECT_EQ(Count(svg, "<polyline class=\"line\""), 2u);
  EXPECT_EQ(Count(svg, "<circle class=\"point\""), 5u);
  EXPECT_NE(svg.find("<title>f1 at turn 2: 0.8</title>"), std::string::npos) << svg;
}

TEST(ReportHtml, DrawsEverySectionOfAReport) {
  const Json report = SampleReport();
  const std::string html = RenderReportHtml({.report = &report, .source = "test"});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<title>codi report: qa-demo</title>"), std::string::npos);
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  // Nothing is loaded or run.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(Count(html, "http://"), Count(html, "xmlns=\"http://www.w3.org/2000/svg\""))
      << "only the SVG namespace names a URL";
  for (const char* id : {"links", "phenomena", "turn_lengths", "quality", "failures_by_reason",
                         "teacher", "distinct_n", "documents"}) {
    EXPECT_NE(html.find(std::string("<section id=\"") + id + "\">"), std::string::npos) << id;
  }
  // Links and phenomena: observed and expected side by side.
  EXPECT_NE(html.find("<title>switch_topic · expected per conversation: 0.4444</title>"),
            std::string::npos);
  EXPECT_NE(html.find("<title>coreference · observed per conversation: 1.0933</title>"),
            std::string::npos);
  // The histogram is drawn as columns in bucket order, not text order.
  const size_t h0 = html.find("<title>0-49 · value: 100</title>");
  const size_t h50 = html.find("<title>50-99 · value: 200</title>");
  const size_t h100 = html.find("<title>100-149 · value: 90</title>");
  ASSERT_NE(h0, std::string::npos);
  ASSERT_NE(h100, std::string::npos);
  EXPECT_LT(h0, h50);
  EXPECT_LT(h50, h100);
  EXPECT_NE(html.find("<svg class=\"chart columns\""), std::string::npos);
  // Failures by reason, and the quality section drawn by its shape alone.
  EXPECT_NE(html.find("<title>validation:refusal · value: 2</title>"), std::string::npos);
  EXPECT_NE(html.find("<title>ratio at turn 2: 0.8</title>"), std::string::npos);
  EXPECT_NE(html.find("<title>distinct_2 · value: 0.5</title>"), std::string::npos);
  EXPECT_NE(html.find("grounding share"), std::string::npos);
  // The headline cards.
  EXPECT_NE(html.find("<div class=\"figure\">148</div><div class=\"caption\">conversations done"),
            std::string::npos);
}

TEST(ReportHtml, AnUnknownSectionIsDrawnByItsShape) {
  Json report = SampleReport();
  report["dedup"] = {{"exact_duplicates", 3}, {"near_duplicates", 7}};
  const std::string html = RenderReportHtml({.report = &report});
  EXPECT_NE(html.find("<section id=\"report-dedup\"><h2>dedup</h2>"), std::string::npos);
  EXPECT_NE(html.find("<title>near_duplicates · value: 7</title>"), std::string::npos);
}

TEST(ReportHtml, EscapesEveryStringFromTheReport) {
  // Names, reasons, keys and values that try to break out of the page.
  const std::string evil = "</title><script>alert(1)</script><img src=x onerror=alert(2)>";
  Json report = SampleReport();
  report["job"] = evil;
  report["state"] = "\"><script>alert(3)</script>";
  report["failure"] = evil;
  report["documents"]["path"] = evil;
  report["documents"]["skipped_examples"][0]["reason"] = evil;
  report["links"][0]["link"] = evil;
  report["failures_by_reason"][evil] = 1;
  report["quality"][evil] = {{evil, 1.5}};
  report[evil] = evil;
  Json eval = {
      {"model", evil}, {"overall", {{evil, 0.5}}}, {"per_turn", {{{"turn", 1}, {evil, 0.4}}}}};
  const std::string html = RenderReportHtml({.report = &report, .eval = &eval, .source = evil});
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("</title><"), html.find("</title><style>")) << "one real </title>";
  EXPECT_EQ(Count(html, "</title>"), Count(html, "<title>"));
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  // Attribute values stay quoted: no quote character from the data survives.
  EXPECT_EQ(html.find("\"><script"), std::string::npos);
  EXPECT_NE(html.find("<section id=\"report---title--script-alert-1---script--img-src-x-onerror-"),
            std::string::npos)
      << "ids from data keep only letters, digits, '-' and '_'";
  std::smatch m;
  const std::regex attribute_break(R"(<[a-z]+[^>]*\sonerror=)");
  EXPECT_FALSE(std::regex_search(html, m, attribute_break)) << m.str();
}

TEST(ReportHtml, DrawsTheEvalCurveByTurn) {
  const Json eval = Json::parse(R"({
    "student": "http://127.0.0.1:8001/v1", "history": "gold",
    "overall": {"f1": 0.81, "recall": 0.86, "items": 120},
    "per_turn": [{"turn": 1, "f1": 0.9, "recall": 0.93, "count": 10},
                 {"turn": 2, "f1": 0.8, "recall": 0.85, "count": 10},
                 {"turn": 3, "f1": 0.7, "recall": 0.79, "count": 8}],
    "items": [{"question": "q"}, {"question": "r"}]
  })");
  const std::string html = RenderReportHtml({.eval = &eval});
  EXPECT_NE(html.find("<section id=\"eval-per-turn\">"), std::string::npos);
  EXPECT_NE(html.find("<svg class=\"chart line\""), std::string::npos);
  EXPECT_EQ(Count(html, "<polyline class=\"line\""), 2u) << "f1 and recall; count is no score";
  EXPECT_NE(html.find("<title>f1 at turn 3: 0.7</title>"), std::string::npos);
  EXPECT_NE(html.find("<title>recall · value: 0.86</title>"), std::string::npos) << "overall";
  EXPECT_NE(html.find("2 items, each with"), std::string::npos);
  EXPECT_EQ(html.find("<details id=\"raw\">"), std::string::npos) << "no report given";
}

TEST(ReportHtml, AnyJsonGivesAPage) {
  for (const char* text : {"null", "[]", "3", "\"x\"", "[1, 2, 3]", "{\"a\": [[[[[[1]]]]]]}",
                           "{\"links\": 5, \"turn_lengths\": [1, \"x\", {}]}",
                           "{\"per_turn\": [{\"turn\": \"one\"}, {\"turn\": 2}]}"}) {
    const Json v = Json::parse(text);
    const std::string html = RenderReportHtml({.report = &v, .eval = &v});
    EXPECT_NE(html.find("</html>"), std::string::npos) << text;
  }
}

TEST(ReportHtml, ReadsAndWritesFiles) {
  testing::TempDir dir;
  std::ofstream(dir.File("bad.json")) << "{\"job\": \n  [1,";
  auto bad = ReadJsonFile(dir.File("bad.json"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(dir.File("bad.json") + ": invalid JSON: "),
            std::string::npos)
      << bad.status().message();
  EXPECT_EQ(bad.status().message().find("[json.exception"), std::string::npos);
  EXPECT_EQ(ReadJsonFile(dir.File("missing.json")).status().code(), absl::StatusCode::kNotFound);

  std::ofstream(dir.File("report.json")) << SampleReport().dump();
  auto report = ReadJsonFile(dir.File("report.json"));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->begin().key(), "job") << "object order is kept";
  ASSERT_TRUE(WriteReportHtml(dir.File("r.html"), {.report = &*report}).ok());
  EXPECT_GT(std::filesystem::file_size(dir.File("r.html")), 5000u);
  EXPECT_FALSE(std::filesystem::exists(dir.File("r.html.tmp")));
  EXPECT_FALSE(WriteReportHtml(dir.File("no/such/dir/r.html"), {.report = &*report}).ok());
}

}  // namespace
}  // namespace codi
