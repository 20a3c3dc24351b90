// Non-throwing entry points to nlohmann::json parsing, for code that must not let an
// exception escape (bad input is the user's: it becomes a status, never a crash).
#pragma once

#include <istream>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace codi {

// Parses `text`; an error is InvalidArgument "invalid JSON: <parser message>", the message
// without nlohmann's "[json.exception...]" prefix.
[[nodiscard]] absl::StatusOr<nlohmann::json> ParseJson(std::string_view text);

// Parses a whole stream (a file) the same way, without first copying it into a string.
[[nodiscard]] absl::StatusOr<nlohmann::json> ParseJsonStream(std::istream& in);

// The kind of a JSON value for messages: "a string", "an object", "null", ...
std::string JsonKindName(const nlohmann::json& value);

}  // namespace codi
