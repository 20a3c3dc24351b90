#include "tests/support/sim_request_log.h"

#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"

namespace codi::testing {

std::map<std::string, int> AnsweredTurns(const std::string& request_log) {
  std::map<std::string, int> answered;
  for (const std::string& line : ReadLines(request_log)) {
    const nlohmann::json entry = nlohmann::json::parse(line);
    if (entry["status"] != 200) continue;
    const std::string id = entry["request_id"].get<std::string>();
    ++answered[id.substr(0, id.rfind('/'))];
  }
  return answered;
}

int RepeatedAnswers(const std::map<std::string, int>& answered) {
  int repeated = 0;
  for (const auto& [turn, n] : answered) repeated += n - 1;
  return repeated;
}

}  // namespace codi::testing
