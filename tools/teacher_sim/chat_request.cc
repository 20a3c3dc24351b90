#include "tools/teacher_sim/chat_request.h"

#include <cmath>
#include <exception>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace codi {
namespace {

using nlohmann::json;

absl::Status Invalid(absl::string_view path, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", problem));
}

// An integer, or a float with an integral value (pydantic's lax mode).
absl::StatusOr<int64_t> GetInt(const json& v, absl::string_view path) {
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      // Only seeds may be this large; they are reinterpreted, not rejected.
      return static_cast<int64_t>(v.get<uint64_t>());
    }
    return v.get<int64_t>();
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e18) {
      return static_cast<int64_t>(d);
    }
  }
  return Invalid(path, "expected an integer");
}

absl::StatusOr<double> GetNumber(const json& v, absl::string_view path) {
  if (!v.is_number()) return Invalid(path, "expected a number");
  return v.get<double>();
}

absl::StatusOr<std::string> GetContent(const json& v, absl::string_view path) {
  if (v.is_null()) return std::string();
  if (v.is_string()) return v.get<std::string>();
  if (!v.is_array()) return Invalid(path, "expected a string or an array of text parts");
  // OpenAI's list form: [{"type": "text", "text": "..."}, ...].
  std::string text;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string part_path = absl::StrCat(path, "[", i, "]");
    const json& part = v[i];
    if (!part.is_object()) return Invalid(part_path, "expected an object");
    auto type = part.find("type");
    if (type == part.end() || !type->is_string() || type->get<std::string>() != "text") {
      return Invalid(absl::StrCat(part_path, ".type"), "only \"text\" parts are supported");
    }
    auto t = part.find("text");
    if (t == part.end() || !t->is_string()) {
      return Invalid(absl::StrCat(part_path, ".text"), "expected a string");
    }
    if (!text.empty()) text += "\n";
    text += t->get<std::string>();
  }
  return text;
}

absl::StatusOr<ChatRequest> ParseValidated(const json& body) {
  if (!body.is_object()) return Invalid("$", "expected a JSON object");
  ChatRequest req;

  if (auto it = body.find("model"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return Invalid("model", "expected a string");
    req.model = it->get<std::string>();
  }

  auto messages = body.find("messages");
  if (messages == body.end() || messages->is_null()) {
    return Invalid("messages", "field required");
  }
  if (!messages->is_array()) return Invalid("messages", "expected an array");
  if (messages->empty()) return Invalid("messages", "must hold at least one message");
  for (size_t i = 0; i < messages->size(); ++i) {
    const json& m = (*messages)[i];
    const std::string path = absl::StrCat("messages[", i, "]");
    if (!m.is_object()) return Invalid(path, "expected an object");
    auto role = m.find("role");
    if (role == m.end() || !role->is_string()) {
      return Invalid(absl::StrCat(path, ".role"), "expected a string");
    }
    ChatMessage msg;
    msg.role = role->get<std::string>();
    if (auto content = m.find("content"); content != m.end()) {
      auto text = GetContent(*content, absl::StrCat(path, ".content"));
      if (!text.ok()) return text.status();
      msg.content = *std::move(text);
    }
    req.messages.push_back(std::move(msg));
  }

  for (const char* name : {"max_tokens", "max_completion_tokens"}) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) continue;
    auto n = GetInt(*it, name);
    if (!n.ok()) return n.status();
    if (*n < 1) return Invalid(name, absl::StrCat("must be at least 1, got ", *n));
    req.max_tokens = *n;
  }

  if (auto it = body.find("temperature"); it != body.end() && !it->is_null()) {
    auto t = GetNumber(*it, "temperature");
    if (!t.ok()) return t.status();
    if (*t < 0) return Invalid("temperature", absl::StrCat("must be >= 0, got ", *t));
  }
  if (auto it = body.find("top_p"); it != body.end() && !it->is_null()) {
    auto p = GetNumber(*it, "top_p");
    if (!p.ok()) return p.status();
    if (!(*p > 0 && *p <= 1)) return Invalid("top_p", absl::StrCat("must be in (0, 1], got ", *p));
  }
  if (auto it = body.find("seed"); it != body.end() && !it->is_null()) {
    auto s = GetInt(*it, "seed");
    if (!s.ok()) return s.status();
    req.seed = static_cast<uint64_t>(*s);
  }
  if (auto it = body.find("stop"); it != body.end() && !it->is_null()) {
    if (it->is_string()) {
      req.stop.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        if (!(*it)[i].is_string())
          return Invalid(absl::StrCat("stop[", i, "]"), "expected a string");
        req.stop.push_back((*it)[i].get<std::string>());
      }
    } else {
      return Invalid("stop", "expected a string or an array of strings");
    }
  }
  if (auto it = body.find("n"); it != body.end() && !it->is_null()) {
    auto n = GetInt(*it, "n");
    if (!n.ok()) return n.status();
    if (*n != 1) return Invalid("n", absl::StrCat("only n=1 is supported, got ", *n));
  }
  if (auto it = body.find("stream"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) return Invalid("stream", "expected a boolean");
    if (it->get<bool>()) return Invalid("stream", "streaming is not supported by the simulator");
  }
  return req;
}

}  // namespace

absl::StatusOr<ChatRequest> ParseChatRequest(absl::string_view body) {
  json parsed;
  try {
    parsed = json::parse(body.begin(), body.end());
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("request body is not valid JSON: ", e.what()));
  }
  try {
    return ParseValidated(parsed);
  } catch (const std::exception& e) {
    // Every access above is type-checked first; this is a safety net.
    return absl::InvalidArgumentError(absl::StrCat("bad request: ", e.what()));
  }
}

}  // namespace codi
