// `codi report --html`: a job's report (coordinator/job_report.h, as JSON)
// and optionally an eval's scores (`codi eval`'s DIR/eval.json) as one
// self-contained HTML page: inline CSS and SVG charts drawn here, no script,
// nothing loaded from anywhere (a Content-Security-Policy forbids it).
//
// The page is drawn from the JSON, not from C++ types, so sections added to
// the report later show up without a change here: a map of numbers becomes a
// bar chart (a column chart when its keys are numbers or ranges: "0-49",
// "3"), an array of objects a chart and a table (a line chart over its "turn"
// key when it has one), an object of objects one subsection per key. The
// shapes read are listed in docs/data.md ("The HTML report").
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace codi {

struct ReportHtmlInput {
  // The job report (BuildJobReport's JSON, a local run's report.json); null:
  // none, the page shows only the eval.
  const nlohmann::ordered_json* report = nullptr;
  // An eval.json: {"overall": {...}, "per_turn": [{"turn": 1, "f1": ...}, ...], ...};
  // null: none.
  const nlohmann::ordered_json* eval = nullptr;
  // Where the data came from, shown in the footer ("coordinator 10.0.0.5:7070").
  std::string source;
};

// The whole page. Any JSON is accepted (values of unexpected types are shown
// as they are); every string is escaped.
std::string RenderReportHtml(const ReportHtmlInput& input);

// A JSON file, object order kept; errors name the file (and the parser's
// position).
[[nodiscard]] absl::StatusOr<nlohmann::ordered_json> ReadJsonFile(const std::string& path);

// Renders and writes `path` whole (a temporary file renamed over it).
[[nodiscard]] absl::Status WriteReportHtml(const std::string& path, const ReportHtmlInput& input);

}  // namespace codi
