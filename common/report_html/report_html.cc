#include "common/report_html/report_html.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/base/version.h"
#include "common/report_html/html_text.h"
#include "common/report_html/svg_chart.h"

namespace codi {
namespace {

using Json = nlohmann::ordered_json;

// Bounds on what one page shows, so a huge report still gives a page a
// browser opens: the rest is counted, never silently dropped.
constexpr size_t kMaxChartItems = 200;
constexpr size_t kMaxTableRows = 200;
constexpr size_t kMaxRawJsonBytes = 1 << 20;
constexpr int kMaxDepth = 4;

// Keys that name a thing rather than measure it: never plotted.
const std::set<std::string>& IdentifierKeys() {
  static const auto* keys = new std::set<std::string>{"line", "id", "offset", "sample", "doc_id"};
  return *keys;
}

// Keys that count items: plotted only when nothing else is numeric (a count
// beside ratios would flatten them), always in the table.
bool IsCountKey(const std::string& key) {
  static const auto* keys = new std::set<std::string>{
      "count", "n", "items", "questions", "dialogs", "conversations", "turns", "total", "support"};
  return keys->contains(key);
}

// A numeric key that is the x of a curve: a turn index.
bool IsCurveKey(const std::string& key) {
  return key == "turn" || key == "turn_index" || key == "index" || key == "position";
}

std::string Dump(const Json& v, int indent = -1) {
  return v.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<double> Number(const Json& v) {
  if (v.is_number()) return v.get<double>();
  return std::nullopt;
}

const Json* Field(const Json* v, const std::string& key) {
  if (v == nullptr || !v->is_object()) return nullptr;
  auto it = v->find(key);
  return it == v->end() ? nullptr : &*it;
}

bool IsScalar(const Json& v) { return !v.is_object() && !v.is_array(); }

// A scalar as escaped HTML; an object or array as its JSON, shortened.
std::string ScalarHtml(const Json& v) {
  if (v.is_string()) return HtmlEscape(v.get<std::string>());
  if (v.is_number()) return FormatNumber(v.get<double>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_null()) return "<span class=\"empty\">—</span>";
  return "<code>" + HtmlEscape(ShortenText(Dump(v), 200)) + "</code>";
}

std::string Empty(const std::string& text) {
  return "<p class=\"empty\">" + HtmlEscape(text) + "</p>";
}

std::string More(size_t shown, size_t total, const std::string& what) {
  if (total <= shown) return "";
  return "<p class=\"note\">" + std::to_string(shown) + " of " + std::to_string(total) + " " +
         HtmlEscape(what) + " shown; all are in the JSON.</p>";
}

bool IsNumericMap(const Json& v) {
  if (!v.is_object() || v.empty()) return false;
  return std::all_of(v.begin(), v.end(), [](const Json& x) { return x.is_number(); });
}

// The number a key starts with ("100-199" -> 100, "<50" -> 50, "3" -> 3),
// when it does: such keys are histogram buckets or indexes, drawn as columns
// in their numeric order.
std::optional<double> LeadingNumber(const std::string& key) {
  size_t i = 0;
  while (i < key.size() && (key[i] == '<' || key[i] == '>' || key[i] == '=' || key[i] == ' ')) ++i;
  if (i >= key.size() || !absl::ascii_isdigit(static_cast<unsigned char>(key[i]))) {
    return std::nullopt;
  }
  return std::strtod(key.c_str() + i, nullptr);
}

std::string KeyValueTable(const std::vector<std::pair<std::string, const Json*>>& rows) {
  std::string out = "<table class=\"kv\">";
  for (const auto& [key, value] : rows) {
    out +=
        "<tr><th>" + HtmlEscape(HumanizeKey(key)) + "</th><td>" + ScalarHtml(*value) + "</td></tr>";
  }
  return out + "</table>";
}

std::string NumericMapChart(const Json& map) {
  std::vector<std::pair<std::string, double>> entries;
  bool ordinal = true;
  for (const auto& [key, value] : map.items()) {
    entries.emplace_back(key, value.get<double>());
    ordinal = ordinal && LeadingNumber(key).has_value();
  }
  const size_t total = entries.size();
  if (ordinal) {
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
      return *LeadingNumber(a.first) < *LeadingNumber(b.first);
    });
  }
  if (entries.size() > kMaxChartItems) entries.resize(kMaxChartItems);
  std::vector<std::string> labels;
  std::vector<std::optional<double>> values;
  for (const auto& [key, value] : entries) {
    labels.push_back(key);
    values.push_back(value);
  }
  const std::string chart = ordinal ? ColumnChart(labels, values, "value")
                                    : HorizontalBarChart(labels, {{"value", values}});
  return chart + More(entries.size(), total, "entries");
}

std::string RenderValue(const Json& v, int depth);

// An array of objects: a chart of its numeric keys (a curve when it has a
// turn key, bars per labelled element otherwise) and the table of it all.
std::string ObjectArray(const Json& array) {
  std::vector<std::string> keys;  // in the order they first appear
  for (const auto& element : array) {
    if (!element.is_object()) continue;
    for (const auto& [key, value] : element.items()) {
      if (std::find(keys.begin(), keys.end(), key) == keys.end() && keys.size() < 16) {
        keys.push_back(key);
      }
    }
  }
  auto all = [&](const std::string& key, auto pred) {
    return std::all_of(array.begin(), array.end(), [&](const Json& e) {
      const Json* f = Field(&e, key);
      return f != nullptr && pred(*f);
    });
  };
  std::string label_key, curve_key;
  std::vector<std::string> numeric;
  for (const auto& key : keys) {
    if (label_key.empty() && all(key, [](const Json& f) { return f.is_string(); })) {
      label_key = key;
    } else if (curve_key.empty() && IsCurveKey(key) &&
               all(key, [](const Json& f) { return f.is_number(); })) {
      curve_key = key;
    } else if (!IdentifierKeys().contains(key) &&
               std::any_of(array.begin(), array.end(), [&](const Json& e) {
                 const Json* f = Field(&e, key);
                 return f != nullptr && f->is_number();
               })) {
      numeric.push_back(key);
    }
  }
  std::vector<std::string> plotted;
  for (const auto& key : numeric) {
    if (!IsCountKey(key)) plotted.push_back(key);
  }
  if (plotted.empty()) plotted = numeric;

  const size_t shown = std::min(array.size(), kMaxChartItems);
  std::vector<ChartSeries> series;
  for (const auto& key : plotted) {
    ChartSeries s{key, {}};
    for (size_t i = 0; i < shown; ++i) {
      const Json* f = Field(&array[i], key);
      s.values.push_back(f != nullptr ? Number(*f) : std::nullopt);
    }
    series.push_back(std::move(s));
  }
  std::string chart;
  if (!series.empty() && !curve_key.empty()) {
    std::vector<double> x;
    for (size_t i = 0; i < shown; ++i) x.push_back(Field(&array[i], curve_key)->get<double>());
    chart = LineChart(x, curve_key, series);
  } else if (!series.empty() && !label_key.empty()) {
    std::vector<std::string> categories;
    for (size_t i = 0; i < shown; ++i) {
      categories.push_back(Field(&array[i], label_key)->get<std::string>());
    }
    chart = HorizontalBarChart(categories, series);
  }

  std::string table = "<table class=\"grid\"><tr>";
  for (const auto& key : keys) table += "<th>" + HtmlEscape(HumanizeKey(key)) + "</th>";
  table += "</tr>";
  const size_t rows = std::min(array.size(), kMaxTableRows);
  for (size_t i = 0; i < rows; ++i) {
    table += "<tr>";
    for (const auto& key : keys) {
      const Json* f = Field(&array[i], key);
      table += "<td>" + (f == nullptr ? std::string() : ScalarHtml(*f)) + "</td>";
    }
    table += "</tr>";
  }
  table += "</table>" + More(rows, array.size(), "rows");
  if (chart.empty()) return table;
  return chart + More(shown, array.size(), "points") + "<details><summary>table</summary>" + table +
         "</details>";
}

std::string RenderArray(const Json& array, int depth) {
  if (array.empty()) return Empty("none");
  if (std::all_of(array.begin(), array.end(), [](const Json& x) { return x.is_number(); })) {
    // Plotted against its position, the first element at 1.
    std::vector<std::string> labels;
    std::vector<std::optional<double>> values;
    for (size_t i = 0; i < array.size() && i < kMaxChartItems; ++i) {
      labels.push_back(std::to_string(i + 1));
      values.push_back(array[i].get<double>());
    }
    return ColumnChart(labels, values, "value") + More(labels.size(), array.size(), "values");
  }
  if (std::all_of(array.begin(), array.end(), [](const Json& x) { return x.is_object(); })) {
    return ObjectArray(array);
  }
  std::string out = "<ul>";
  const size_t rows = std::min(array.size(), kMaxTableRows);
  for (size_t i = 0; i < rows; ++i) {
    out += "<li>" +
           (IsScalar(array[i]) || depth >= kMaxDepth ? ScalarHtml(array[i])
                                                     : RenderValue(array[i], depth + 1)) +
           "</li>";
  }
  return out + "</ul>" + More(rows, array.size(), "items");
}

std::string RenderObject(const Json& object, int depth) {
  if (object.empty()) return Empty("none");
  if (IsNumericMap(object)) return NumericMapChart(object);
  std::vector<std::pair<std::string, const Json*>> scalars;
  std::string nested;
  const std::string heading = "h" + std::to_string(std::min(3 + depth, 6));
  for (const auto& [key, value] : object.items()) {
    if (IsScalar(value)) {
      scalars.emplace_back(key, &value);
      continue;
    }
    nested += "<div class=\"sub\"><" + heading + ">" + HtmlEscape(HumanizeKey(key)) + "</" +
              heading + ">" + RenderValue(value, depth + 1) + "</div>";
  }
  return (scalars.empty() ? "" : KeyValueTable(scalars)) + nested;
}

std::string RenderValue(const Json& v, int depth) {
  if (depth > kMaxDepth && !IsScalar(v)) {
    return "<pre>" + HtmlEscape(ShortenText(Dump(v, 2), 4000)) + "</pre>";
  }
  if (v.is_object()) return RenderObject(v, depth);
  if (v.is_array()) return RenderArray(v, depth);
  return "<p>" + ScalarHtml(v) + "</p>";
}

// An id or class name from data: letters, digits, '-' and '_' kept, the rest '-'.
std::string SafeName(const std::string& text) {
  std::string out = ShortenText(text, 64);
  for (char& c : out) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '-';
  }
  return out;
}

std::string Section(const std::string& id, const std::string& title, const std::string& intro,
                    const std::string& body) {
  return "<section id=\"" + SafeName(id) + "\"><h2>" + HtmlEscape(title) + "</h2>" +
         (intro.empty() ? "" : "<p class=\"intro\">" + HtmlEscape(intro) + "</p>") + body +
         "</section>\n";
}

// The headline figures as cards; a figure the report lacks is left out.
std::string Cards(const Json& r) {
  struct Card {
    std::vector<std::string> path;
    std::string label;
  };
  const std::vector<Card> cards = {
      {{"conversations", "done"}, "conversations done"},
      {{"conversations", "failed"}, "failed"},
      {{"conversations", "in_progress"}, "in progress"},
      {{"documents", "accepted"}, "documents"},
      {{"documents", "skipped"}, "documents skipped"},
      {{"turns"}, "turns"},
      {{"teacher", "calls"}, "teacher calls"},
      {{"teacher", "retries"}, "retries"},
      {{"teacher", "prefix_cache_hit_ratio"}, "prefix-cache hit ratio"},
  };
  std::string out;
  for (const auto& card : cards) {
    const Json* v = &r;
    for (const auto& key : card.path) v = Field(v, key);
    if (v == nullptr || !v->is_number()) continue;
    out += "<div class=\"card\"><div class=\"figure\">" + FormatNumber(v->get<double>()) +
           "</div><div class=\"caption\">" + HtmlEscape(card.label) + "</div></div>";
  }
  return out.empty() ? "" : "<div class=\"cards\">" + out + "</div>";
}

struct KnownSection {
  std::string key, title, intro, if_empty;
};

const std::vector<KnownSection>& KnownSections() {
  static const auto* sections = new std::vector<KnownSection>{
      {"links", "Links",
       "Visits per conversation of each link of the conversation graph: observed in the "
       "finished conversations against the Markov chain's expectation (grey).",
       "no links"},
      {"phenomena", "Phenomena",
       "Linguistic phenomena asked for per conversation, observed against expected (grey).",
       "no phenomena in this job's graph"},
      {"turn_lengths", "Turn lengths", "Characters per generated turn, by role.",
       "no finished turns"},
      {"quality", "Quality signals",
       "Grounding, repetition, answer lengths, diversity, near duplicates and prefix-cache "
       "reuse.",
       "none"},
      {"failures_by_reason", "Failures by reason", "Conversations that failed, by reason.",
       "No conversation failed."},
      {"teacher", "Teacher", "Calls, retries, regenerations and tokens spent on the teacher.",
       "none"},
      {"distinct_n", "Diversity", "Distinct word n-grams over all n-grams of generated turns.",
       "none"},
      {"documents", "Documents", "", "none"},
      {"conversations", "Conversations", "", "none"},
  };
  return *sections;
}

std::string ReportSections(const Json& r) {
  std::string out;
  std::set<std::string> done = {"job", "state", "failure", "turns"};
  for (const auto& s : KnownSections()) {
    done.insert(s.key);
    const Json* v = Field(&r, s.key);
    if (v == nullptr) continue;
    const bool empty = v->is_null() || ((v->is_object() || v->is_array()) && v->empty());
    out += Section(s.key, s.title, s.intro, empty ? Empty(s.if_empty) : RenderValue(*v, 0));
  }
  // Sections this page does not know by name, drawn by their shape.
  for (const auto& [key, value] : r.items()) {
    if (done.contains(key)) continue;
    out += Section("report-" + key, HumanizeKey(key), "", RenderValue(value, 0));
  }
  return out;
}

std::string EvalSections(const Json& e) {
  std::string out;
  if (!e.is_object()) return Section("eval", "Evaluation", "", RenderValue(e, 0));
  std::vector<std::pair<std::string, const Json*>> scalars;
  for (const auto& [key, value] : e.items()) {
    if (IsScalar(value)) scalars.emplace_back(key, &value);
  }
  std::string body = scalars.empty() ? "" : KeyValueTable(scalars);
  if (const Json* overall = Field(&e, "overall")) {
    body += "<h3>Overall</h3>" + RenderValue(*overall, 1);
  }
  out += Section("eval", "Evaluation", "The student's scores over all evaluated turns.", body);
  if (const Json* per_turn = Field(&e, "per_turn")) {
    out += Section("eval-per-turn", "Score by turn index",
                   "The student's scores at each turn of the dialogs: later turns depend on more "
                   "history.",
                   RenderValue(*per_turn, 0));
  }
  for (const auto& [key, value] : e.items()) {
    if (IsScalar(value) || key == "overall" || key == "per_turn") continue;
    if (key == "items" && value.is_array()) {
      out += Section("eval-items", "Items", "",
                     Empty(std::to_string(value.size()) +
                           " items, each with its question, references, prediction and "
                           "score, are in the eval JSON."));
      continue;
    }
    out += Section("eval-" + key, HumanizeKey(key), "", RenderValue(value, 0));
  }
  return out;
}

constexpr char kStyle[] = R"css(
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  margin: 0 auto; max-width: 820px; padding: 24px; color: #222; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 6px;
  border-bottom: 1px solid #ddd; padding-bottom: 4px; } h3, h4, h5, h6 { font-size: 15px;
  margin: 14px 0 4px; }
.state { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  background: #eee; vertical-align: middle; }
.state-succeeded { background: #d5ecd4; } .state-failed { background: #f6d2d2; }
.state-running { background: #d6e4f3; }
.failure { color: #a00; } .intro, .note, .empty, footer { color: #666; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; margin: 16px 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; min-width: 110px; }
.figure { font-size: 20px; font-weight: 600; } .caption { font-size: 12px; color: #666; }
table { border-collapse: collapse; margin: 6px 0; } th, td { padding: 2px 10px 2px 0;
  text-align: left; vertical-align: top; } table.grid td, table.grid th { border-bottom: 1px
  solid #eee; } table.kv th { font-weight: normal; color: #555; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 8px 0; }
svg.chart text { font-size: 12px; fill: #333; } svg.chart text.tick { fill: #777;
  font-size: 11px; } svg.chart line.grid { stroke: #e3e3e3; }
.sub { margin-left: 8px; } pre { white-space: pre-wrap; word-break: break-all;
  font-size: 12px; background: #f7f7f7; padding: 8px; } summary { cursor: pointer; color: #555; }
)css";

}  // namespace

std::string RenderReportHtml(const ReportHtmlInput& input) {
  const Json* r = input.report;
  std::string job;
  if (const Json* j = Field(r, "job"); j != nullptr && j->is_string()) job = j->get<std::string>();
  const std::string title = job.empty() ? "codi report" : "codi report: " + job;

  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      // Nothing may load or run: the data in the page is untrusted.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; img-src data:\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"generator\" content=\"codi " +
      HtmlEscape(Version()) + "\"><title>" + HtmlEscape(title) + "</title><style>" + kStyle +
      "</style></head>\n<body>\n<header><h1>" + HtmlEscape(title);
  if (const Json* s = Field(r, "state"); s != nullptr && s->is_string()) {
    const std::string state = s->get<std::string>();
    out += " <span class=\"state state-" + SafeName(state) + "\">" + HtmlEscape(state) + "</span>";
  }
  out += "</h1>";
  if (const Json* f = Field(r, "failure"); f != nullptr && !f->is_null()) {
    out += "<p class=\"failure\">" + ScalarHtml(*f) + "</p>";
  }
  out += "</header>\n";
  if (r != nullptr) {
    if (r->is_object()) {
      out += Cards(*r) + "\n" + ReportSections(*r);
    } else {
      out += Section("report", "Report", "", RenderValue(*r, 0));
    }
  }
  if (input.eval != nullptr) out += EvalSections(*input.eval);
  if (r == nullptr && input.eval == nullptr) out += Empty("Nothing to show.");
  if (r != nullptr) {
    std::string raw = Dump(*r, 2);
    std::string note;
    if (raw.size() > kMaxRawJsonBytes) {
      raw = ShortenText(raw, kMaxRawJsonBytes);
      note = " (shortened)";
    }
    out += "<details id=\"raw\"><summary>the report as JSON" + note + "</summary><pre>" +
           HtmlEscape(raw) + "</pre></details>\n";
  }
  out += "<footer><p>Made by codi " + HtmlEscape(Version()) +
         (input.source.empty() ? "" : " from " + HtmlEscape(input.source)) +
         ".</p></footer>\n</body></html>\n";
  return out;
}

absl::StatusOr<nlohmann::ordered_json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  try {
    return Json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    std::string message = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix.
    if (auto close = message.find("] ");
        message.rfind("[json.exception", 0) == 0 && close != std::string::npos) {
      message = message.substr(close + 2);
    }
    return absl::InvalidArgumentError(path + ": invalid JSON: " + message);
  }
}

absl::Status WriteReportHtml(const std::string& path, const ReportHtmlInput& input) {
  const std::string html = RenderReportHtml(input);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << html;
    out.close();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return absl::InternalError("cannot write " + path);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return absl::InternalError("cannot write " + path + ": " + ec.message());
  }
  return absl::OkStatus();
}

}  // namespace codi
