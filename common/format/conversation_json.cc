#include "common/format/conversation_json.h"

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace codi {

std::string ConversationToJsonLine(const codi::v1::Conversation& c) {
  nlohmann::ordered_json j;
  j["job"] = c.job();
  j["doc_id"] = c.doc_id();
  j["sample"] = c.sample();
  j["graph"] = nlohmann::json::array();
  for (const auto& link : c.graph()) j["graph"].push_back(link);
  j["turns"] = nlohmann::json::array();
  for (const auto& t : c.turns()) {
    nlohmann::ordered_json turn;
    turn["role"] = t.role();
    turn["text"] = t.text();
    turn["weight"] = t.weight();
    if (!t.link().empty()) {
      turn["link"] = t.link();
      turn["phenomena"] = nlohmann::json::array();
      for (const auto& p : t.phenomena()) turn["phenomena"].push_back(p);
      if (!t.seed_item().empty()) turn["seed_item"] = t.seed_item();
      if (t.regenerations() > 0) turn["regenerations"] = t.regenerations();
    }
    j["turns"].push_back(std::move(turn));
  }
  const auto& u = c.usage();
  nlohmann::ordered_json usage;
  usage["calls"] = u.calls();
  usage["prompt_tokens"] = u.prompt_tokens();
  usage["completion_tokens"] = u.completion_tokens();
  usage["cached_tokens"] = u.cached_tokens();
  usage["retries"] = u.retries();
  usage["regenerations"] = u.regenerations();
  j["usage"] = std::move(usage);
  // Texts were validated as UTF-8 on the way in; replace rather than throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ConversationToBrackets(const codi::v1::Conversation& c) {
  std::string text;
  for (const auto& t : c.turns()) {
    if (!text.empty()) text.push_back(' ');
    text += "[" + t.role() + "]" + t.text() + "[/" + t.role() + "]";
  }
  nlohmann::ordered_json j;
  j["job"] = c.job();
  j["doc_id"] = c.doc_id();
  j["sample"] = c.sample();
  j["text"] = std::move(text);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<std::string> ConversationToChatLine(
    const codi::v1::Conversation& c, const std::map<std::string, std::string>& chat_roles) {
  nlohmann::ordered_json messages = nlohmann::json::array();
  for (const auto& t : c.turns()) {
    auto it = chat_roles.find(t.role());
    if (it == chat_roles.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("role ", t.role(), " of conversation ", c.doc_id(), "/", c.sample(),
                       " has no chat role; map it under output.chat_roles"));
    }
    nlohmann::ordered_json message;
    message["role"] = it->second;
    message["content"] = t.text();
    if (it->second == "assistant") message["weight"] = t.weight() > 0 ? 1 : 0;
    messages.push_back(std::move(message));
  }
  nlohmann::ordered_json j;
  j["messages"] = std::move(messages);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace codi
