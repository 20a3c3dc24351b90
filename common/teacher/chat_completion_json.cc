#include "common/teacher/chat_completion_json.h"

#include <cstdint>
#include <exception>
#include <limits>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace codi {
namespace {

using Json = nlohmann::json;

absl::Status Malformed(absl::string_view path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("malformed completion: ", path, ": ", why));
}

// A token count, lenient about its type: servers differ, and a missing count
// must not cost a good completion.
uint64_t CountAt(const Json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  if (it == object.end()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer()) return std::max<int64_t>(0, it->get<int64_t>());
  if (it->is_number_float()) {
    const double v = it->get<double>();
    return v > 0 && v < 1.8e19 ? static_cast<uint64_t>(v) : 0;
  }
  return 0;
}

std::string OneLine(absl::string_view text, size_t max_chars) {
  std::string out;
  out.reserve(std::min(text.size(), max_chars));
  for (char c : text) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    const unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
  }
  return out;
}

absl::StatusOr<CompletionResult> Decode(absl::string_view body) {
  Json doc = Json::parse(body.begin(), body.end(), /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Malformed("$", "body is not JSON");
  if (!doc.is_object()) return Malformed("$", "body is not a JSON object");
  auto choices = doc.find("choices");
  if (choices == doc.end() || !choices->is_array() || choices->empty()) {
    return Malformed("choices", "missing or empty");
  }
  const Json& choice = (*choices)[0];
  if (!choice.is_object()) return Malformed("choices[0]", "not an object");
  auto message = choice.find("message");
  if (message == choice.end() || !message->is_object()) {
    return Malformed("choices[0].message", "missing or not an object");
  }
  CompletionResult result;
  auto content = message->find("content");
  if (content != message->end() && !content->is_null()) {
    if (!content->is_string()) return Malformed("choices[0].message.content", "not a string");
    result.text = content->get<std::string>();
  }
  auto finish = choice.find("finish_reason");
  if (finish != choice.end() && finish->is_string())
    result.finish_reason = finish->get<std::string>();
  auto usage = doc.find("usage");
  if (usage != doc.end() && usage->is_object()) {
    result.prompt_tokens = CountAt(*usage, "prompt_tokens");
    result.completion_tokens = CountAt(*usage, "completion_tokens");
    auto details = usage->find("prompt_tokens_details");
    if (details != usage->end()) result.cached_tokens = CountAt(*details, "cached_tokens");
  }
  return result;
}

}  // namespace

std::string EncodeChatCompletionRequest(const CompletionRequest& request) {
  Json messages = Json::array();
  for (const ChatMessage& m : request.messages) {
    messages.push_back(Json{{"role", m.role}, {"content", m.content}});
  }
  Json body = {
      {"model", request.model},
      {"messages", std::move(messages)},
      {"max_tokens", request.max_tokens},
      {"temperature", request.temperature},
      {"top_p", request.top_p},
      {"seed", request.seed & static_cast<uint64_t>(std::numeric_limits<int64_t>::max())},
      {"stream", false},
  };
  if (!request.stop.empty()) body["stop"] = request.stop;
  return body.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

absl::StatusOr<CompletionResult> DecodeChatCompletionResponse(absl::string_view body) {
  // The checks above keep nlohmann from throwing; the catch is a backstop so
  // no exception leaves this function whatever the server sends.
  try {
    return Decode(body);
  } catch (const std::exception& e) {
    return Malformed("$", e.what());
  }
}

std::string ErrorMessageFromBody(absl::string_view body, size_t max_chars) {
  try {
    Json doc = Json::parse(body.begin(), body.end(), nullptr, false);
    if (doc.is_object()) {
      auto error = doc.find("error");
      if (error != doc.end() && error->is_object()) {
        auto message = error->find("message");
        if (message != error->end() && message->is_string()) {
          return OneLine(message->get<std::string>(), max_chars);
        }
      }
      if (error != doc.end() && error->is_string()) {
        return OneLine(error->get<std::string>(), max_chars);
      }
      auto message = doc.find("message");
      if (message != doc.end() && message->is_string()) {
        return OneLine(message->get<std::string>(), max_chars);
      }
    }
  } catch (const std::exception&) {
    // Fall through to the raw body.
  }
  if (body.empty()) return "(empty body)";
  return OneLine(body, max_chars);
}

}  // namespace codi
