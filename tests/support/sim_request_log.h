// Reading codi-teacher-sim's --request-log (one JSON object a line) in tests
// that check no finished turn was asked for again.
#pragma once

#include <map>
#include <string>

namespace codi::testing {

// How many 200 replies each turn got, keyed by the request id without its
// attempt ("job/doc/sample/turn" of "job/doc/sample/turn/attempt").
std::map<std::string, int> AnsweredTurns(const std::string& request_log);

// The replies beyond the first for each turn of AnsweredTurns.
int RepeatedAnswers(const std::map<std::string, int>& answered);

}  // namespace codi::testing
