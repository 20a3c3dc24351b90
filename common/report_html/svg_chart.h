// Charts as inline SVG, drawn here rather than by script in the page: the
// HTML report needs no JavaScript, loads nothing, and looks the same in every
// browser. Each chart is one <svg class="chart ..."> whose marks carry a
// class ("bar", "line", "point") and a <title> with the exact value, which a
// browser shows on hover. Labels are escaped here; callers pass plain text.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace codi {

// One named series of values, one per category (nullopt: no value there).
struct ChartSeries {
  std::string name;
  std::vector<std::optional<double>> values;
};

// Horizontal bars, one group per category and one bar per series in each
// group (observed next to expected, say). A series whose name holds
// "expected" is drawn grey, so the reference stands apart from what was seen.
std::string HorizontalBarChart(const std::vector<std::string>& categories,
                               const std::vector<ChartSeries>& series);

// Vertical columns in the given order (a histogram's buckets, a value per
// turn index).
std::string ColumnChart(const std::vector<std::string>& labels,
                        const std::vector<std::optional<double>>& values,
                        const std::string& value_name);

// One line per series over numeric x values (a score per turn index).
std::string LineChart(const std::vector<double>& x, const std::string& x_name,
                      const std::vector<ChartSeries>& series);

// The smallest "nice" number (1, 2, 2.5 or 5 times a power of ten) at or
// above `value`; the top of a chart's value axis. 1 for values <= 0.
double NiceCeiling(double value);

}  // namespace codi
