#include "common/base/json_parse.h"

#include <exception>

#include "absl/status/status.h"

namespace codi {
namespace {

// nlohmann prefixes every message with "[json.exception.parse_error.101] ".
std::string WithoutExceptionTag(std::string_view what) {
  if (!what.empty() && what.front() == '[') {
    const size_t close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  return std::string(what);
}

template <typename Input>
absl::StatusOr<nlohmann::json> ParseOrStatus(Input&& input) {
  try {
    return nlohmann::json::parse(std::forward<Input>(input));
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError("invalid JSON: " + WithoutExceptionTag(e.what()));
  } catch (const std::exception& e) {  // bad_alloc on a pathological input
    return absl::ResourceExhaustedError(std::string("cannot parse JSON: ") + e.what());
  }
}

}  // namespace

absl::StatusOr<nlohmann::json> ParseJson(std::string_view text) { return ParseOrStatus(text); }

absl::StatusOr<nlohmann::json> ParseJsonStream(std::istream& in) { return ParseOrStatus(in); }

std::string JsonKindName(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return "a number";
    default:
      return "an unsupported value";
  }
}

}  // namespace codi
