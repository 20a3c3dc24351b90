#include "common/report_html/svg_chart.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "common/report_html/html_text.h"

namespace codi {
namespace {

constexpr int kWidth = 760;
constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759",
                                    "#76b7b2", "#b07aa1", "#edc948", "#9c755f"};
constexpr const char* kExpectedColor = "#bab0ac";
constexpr size_t kLabelChars = 28;

bool IsExpected(const ChartSeries& s) {
  return absl::StrContains(absl::AsciiStrToLower(s.name), "expected");
}

std::string SeriesColor(const std::vector<ChartSeries>& series, size_t i) {
  if (IsExpected(series[i])) return kExpectedColor;
  // Colours go to the series that are not "expected", in order.
  size_t k = 0;
  for (size_t j = 0; j < i; ++j) {
    if (!IsExpected(series[j])) ++k;
  }
  return kPalette[k % (sizeof(kPalette) / sizeof(kPalette[0]))];
}

// Coordinates with one decimal: short, and exact enough for a screen.
std::string Px(double v) { return absl::StrFormat("%.1f", v); }

double MaxValue(const std::vector<ChartSeries>& series) {
  double max = 0;
  for (const auto& s : series) {
    for (const auto& v : s.values) {
      if (v.has_value() && std::isfinite(*v)) max = std::max(max, *v);
    }
  }
  return max;
}

std::string Title(const std::string& text) { return "<title>" + HtmlEscape(text) + "</title>"; }

std::string Text(double x, double y, const std::string& anchor, const std::string& text,
                 const std::string& cls = "") {
  return "<text x=\"" + Px(x) + "\" y=\"" + Px(y) + "\" text-anchor=\"" + anchor + "\"" +
         (cls.empty() ? "" : " class=\"" + cls + "\"") + ">" + HtmlEscape(text) + "</text>";
}

// A legend row at the top: a swatch and the series name for each series.
std::string Legend(const std::vector<ChartSeries>& series, double y) {
  std::string out;
  double x = 8;
  for (size_t i = 0; i < series.size(); ++i) {
    const std::string name = ShortenText(HumanizeKey(series[i].name), 32);
    out += "<rect class=\"swatch\" x=\"" + Px(x) + "\" y=\"" + Px(y - 10) +
           "\" width=\"12\" height=\"12\" fill=\"" + SeriesColor(series, i) + "\"/>";
    out += Text(x + 16, y, "start", name);
    x += 24 + 7.0 * static_cast<double>(name.size());
  }
  return out;
}

std::string SvgOpen(const std::string& kind, double height) {
  return "<svg class=\"chart " + kind + "\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
         std::to_string(kWidth) + " " + Px(height) + "\" width=\"" + std::to_string(kWidth) +
         "\" height=\"" + Px(height) + "\" role=\"img\">";
}

double Clamp0(double v) { return std::isfinite(v) && v > 0 ? v : 0; }

}  // namespace

double NiceCeiling(double value) {
  if (!(value > 0) || !std::isfinite(value)) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(value)));
  for (double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (step * power >= value * (1 - 1e-12)) return step * power;
  }
  return 10 * power;
}

std::string HorizontalBarChart(const std::vector<std::string>& categories,
                               const std::vector<ChartSeries>& series) {
  constexpr double kLabelWidth = 210, kValueWidth = 70, kBar = 14, kGap = 10;
  const double top = series.size() > 1 ? 44 : 24;
  const double group = kBar * static_cast<double>(std::max<size_t>(series.size(), 1)) + kGap;
  const double height = top + group * static_cast<double>(categories.size()) + 8;
  const double plot = kWidth - kLabelWidth - kValueWidth;
  const double max = NiceCeiling(MaxValue(series));
  std::string out = SvgOpen("hbar", height);
  if (series.size() > 1) out += Legend(series, 16);
  for (int t = 0; t <= 4; ++t) {  // grid lines and their values
    const double x = kLabelWidth + plot * t / 4;
    out += "<line class=\"grid\" x1=\"" + Px(x) + "\" y1=\"" + Px(top - 6) + "\" x2=\"" + Px(x) +
           "\" y2=\"" + Px(height - 8) + "\"/>";
    out += Text(x, top - 9, "middle", FormatNumber(max * t / 4), "tick");
  }
  for (size_t c = 0; c < categories.size(); ++c) {
    const double y0 = top + group * static_cast<double>(c);
    out += Text(kLabelWidth - 8, y0 + group / 2 + 1, "end", ShortenText(categories[c], kLabelChars),
                "label");
    for (size_t s = 0; s < series.size(); ++s) {
      if (c >= series[s].values.size() || !series[s].values[c].has_value()) continue;
      const double v = *series[s].values[c];
      const double y = y0 + kBar * static_cast<double>(s);
      const double w = std::max(plot * Clamp0(v) / max, v > 0 ? 1.0 : 0.0);
      out += "<rect class=\"bar\" x=\"" + Px(kLabelWidth) + "\" y=\"" + Px(y) + "\" width=\"" +
             Px(w) + "\" height=\"" + Px(kBar - 2) + "\" fill=\"" + SeriesColor(series, s) + "\">" +
             Title(categories[c] + " · " + HumanizeKey(series[s].name) + ": " + FormatNumber(v)) +
             "</rect>";
      out += Text(kLabelWidth + w + 4, y + kBar - 4, "start", FormatNumber(v), "value");
    }
  }
  return out + "</svg>";
}

std::string ColumnChart(const std::vector<std::string>& labels,
                        const std::vector<std::optional<double>>& values,
                        const std::string& value_name) {
  constexpr double kLeft = 56, kTop = 14, kPlotHeight = 170, kBottom = 40;
  const double height = kTop + kPlotHeight + kBottom;
  const double plot = kWidth - kLeft - 10;
  const size_t n = std::max<size_t>(labels.size(), 1);
  const double slot = plot / static_cast<double>(n);
  const double max = NiceCeiling(MaxValue({{value_name, values}}));
  // Show every label when they fit, else every k-th.
  const size_t every = std::max<size_t>(1, static_cast<size_t>(std::ceil(70.0 * n / plot)));
  std::string out = SvgOpen("columns", height);
  for (int t = 0; t <= 4; ++t) {
    const double y = kTop + kPlotHeight * (1 - t / 4.0);
    out += "<line class=\"grid\" x1=\"" + Px(kLeft) + "\" y1=\"" + Px(y) + "\" x2=\"" +
           Px(kWidth - 10) + "\" y2=\"" + Px(y) + "\"/>";
    out += Text(kLeft - 6, y + 4, "end", FormatNumber(max * t / 4), "tick");
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    const double x = kLeft + slot * static_cast<double>(i);
    if (i < values.size() && values[i].has_value()) {
      const double v = *values[i];
      const double h = std::max(kPlotHeight * Clamp0(v) / max, v > 0 ? 1.0 : 0.0);
      out += "<rect class=\"bar\" x=\"" + Px(x + slot * 0.1) + "\" y=\"" +
             Px(kTop + kPlotHeight - h) + "\" width=\"" + Px(slot * 0.8) + "\" height=\"" + Px(h) +
             "\" fill=\"" + kPalette[0] + "\">" +
             Title(labels[i] + " · " + HumanizeKey(value_name) + ": " + FormatNumber(v)) +
             "</rect>";
    }
    if (i % every == 0) {
      out += Text(x + slot / 2, kTop + kPlotHeight + 16, "middle", ShortenText(labels[i], 12),
                  "label");
    }
  }
  return out + "</svg>";
}

std::string LineChart(const std::vector<double>& x, const std::string& x_name,
                      const std::vector<ChartSeries>& series) {
  constexpr double kLeft = 56, kTop = 40, kPlotHeight = 190, kBottom = 44;
  const double height = kTop + kPlotHeight + kBottom;
  const double plot = kWidth - kLeft - 24;
  double x_min = 0, x_max = 1;
  if (!x.empty()) {
    x_min = *std::min_element(x.begin(), x.end());
    x_max = *std::max_element(x.begin(), x.end());
  }
  if (!std::isfinite(x_min) || !std::isfinite(x_max)) x_min = 0, x_max = 1;
  if (x_max <= x_min) x_max = x_min + 1;
  const double max = NiceCeiling(MaxValue(series));
  auto px = [&](double v) { return kLeft + plot * (v - x_min) / (x_max - x_min); };
  auto py = [&](double v) { return kTop + kPlotHeight * (1 - Clamp0(v) / max); };
  std::string out = SvgOpen("line", height);
  out += Legend(series, 16);
  for (int t = 0; t <= 4; ++t) {
    const double y = kTop + kPlotHeight * (1 - t / 4.0);
    out += "<line class=\"grid\" x1=\"" + Px(kLeft) + "\" y1=\"" + Px(y) + "\" x2=\"" +
           Px(kLeft + plot) + "\" y2=\"" + Px(y) + "\"/>";
    out += Text(kLeft - 6, y + 4, "end", FormatNumber(max * t / 4), "tick");
  }
  const size_t every = std::max<size_t>(1, (x.size() + 19) / 20);
  for (size_t i = 0; i < x.size(); i += every) {
    if (!std::isfinite(x[i])) continue;
    out += Text(px(x[i]), kTop + kPlotHeight + 16, "middle", FormatNumber(x[i]), "tick");
  }
  out += Text(kLeft + plot / 2, kTop + kPlotHeight + 36, "middle", HumanizeKey(x_name), "label");
  for (size_t s = 0; s < series.size(); ++s) {
    const std::string color = SeriesColor(series, s);
    std::string points;
    std::string marks;
    for (size_t i = 0; i < x.size() && i < series[s].values.size(); ++i) {
      if (!series[s].values[i].has_value() || !std::isfinite(x[i])) continue;
      const double v = *series[s].values[i];
      points += Px(px(x[i])) + "," + Px(py(v)) + " ";
      marks += "<circle class=\"point\" cx=\"" + Px(px(x[i])) + "\" cy=\"" + Px(py(v)) +
               "\" r=\"3.5\" fill=\"" + color + "\">" +
               Title(HumanizeKey(series[s].name) + " at " + HumanizeKey(x_name) + " " +
                     FormatNumber(x[i]) + ": " + FormatNumber(v)) +
               "</circle>";
    }
    if (!points.empty()) {
      out += "<polyline class=\"line\" fill=\"none\" stroke=\"" + color +
             "\" stroke-width=\"2\" points=\"" + points + "\"/>";
    }
    out += marks;
  }
  return out + "</svg>";
}

}  // namespace codi
