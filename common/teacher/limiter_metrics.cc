#include "common/teacher/limiter_metrics.h"

#include <chrono>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/teacher/endpoint_url.h"
#include "httplib.h"

namespace codi {
namespace {

// Splits `name{endpoint="..."} value`; false when the line is not of that form.
bool SplitSample(absl::string_view line, absl::string_view* name, std::string* endpoint,
                 double* value) {
  const size_t brace = line.find('{');
  const size_t close = line.rfind('}');
  if (brace == absl::string_view::npos || close == absl::string_view::npos || close < brace) {
    return false;
  }
  *name = line.substr(0, brace);
  const absl::string_view labels = line.substr(brace + 1, close - brace - 1);
  constexpr absl::string_view kKey = "endpoint=\"";
  const size_t key = labels.find(kKey);
  if (key == absl::string_view::npos) return false;
  const size_t end = labels.find('"', key + kKey.size());
  if (end == absl::string_view::npos) return false;
  *endpoint = std::string(labels.substr(key + kKey.size(), end - key - kKey.size()));
  return absl::SimpleAtod(absl::StripAsciiWhitespace(line.substr(close + 1)), value);
}

}  // namespace

std::vector<LimiterState> ParseLimiterMetrics(absl::string_view text) {
  std::map<std::string, LimiterState> by_endpoint;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    absl::string_view name;
    std::string endpoint;
    double value = 0;
    if (!SplitSample(line, &name, &endpoint, &value)) continue;
    if (!absl::StartsWith(name, "codi_teacher_")) continue;
    const auto field = [&]() -> LimiterState& {
      LimiterState& s = by_endpoint[endpoint];
      s.endpoint = endpoint;
      return s;
    };
    if (name == "codi_teacher_concurrency_limit") {
      field().limit = static_cast<int>(value);
    } else if (name == "codi_teacher_unloaded_latency_seconds") {
      field().unloaded = absl::Seconds(value);
    } else if (name == "codi_teacher_queue_estimate") {
      field().queue = value;
    } else if (name == "codi_teacher_in_flight_requests") {
      field().in_flight = static_cast<int>(value);
    } else if (name == "codi_teacher_waiting_requests") {
      field().waiting = static_cast<int>(value);
    } else if (name == "codi_teacher_recent_round_trip_seconds") {
      field().recent_rtt = absl::Seconds(value);
    }
  }
  std::vector<LimiterState> out;
  for (auto& [endpoint, state] : by_endpoint) out.push_back(std::move(state));
  return out;
}

absl::StatusOr<std::vector<LimiterState>> ScrapeLimiterStates(const std::string& url,
                                                              absl::Duration timeout) {
  absl::StatusOr<EndpointUrl> parsed = ParseEndpointUrl(url);
  if (!parsed.ok()) return parsed.status();
  httplib::Client client(parsed->SchemeHostPort());
  const auto ms = std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout));
  client.set_connection_timeout(ms);
  client.set_read_timeout(ms);
  httplib::Result reply = client.Get(parsed->path.empty() ? "/metrics" : parsed->path);
  if (!reply) {
    return absl::UnavailableError(
        absl::StrCat("worker metrics ", url, ": ", httplib::to_string(reply.error())));
  }
  if (reply->status != 200) {
    return absl::UnavailableError(absl::StrCat("worker metrics ", url, ": HTTP ", reply->status));
  }
  return ParseLimiterMetrics(reply->body);
}

}  // namespace codi
