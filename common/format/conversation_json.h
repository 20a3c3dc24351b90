// The exported forms of a conversation (SPEC section 3): a JSONL line with
// snake_case fields and numbers as JSON numbers, and the bracket text form
// "[CONTEXT]...[/CONTEXT] [USER]...[/USER] [AGENT]...[/AGENT]", and the
// OpenAI fine-tuning chat form {"messages": [{"role", "content", "weight"?}]}.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "codi/v1/conversation.pb.h"

namespace codi {

std::string ConversationToJsonLine(const codi::v1::Conversation& c);
std::string ConversationToBrackets(const codi::v1::Conversation& c);

// One line {"messages": [...]}: each turn a message whose role is
// chat_roles[turn.role] (system, user or assistant) and whose content is the
// turn's text, in turn order (the CONTEXT turn, when exported, comes first as
// the system message). Only assistant messages carry "weight", 1 when the
// turn's training weight is above 0, else 0: the chat format knows no other
// weights (the JSONL format keeps the exact ones). A turn whose role has no
// chat role is InvalidArgument naming the role and the conversation.
[[nodiscard]] absl::StatusOr<std::string> ConversationToChatLine(
    const codi::v1::Conversation& c, const std::map<std::string, std::string>& chat_roles);

}  // namespace codi
