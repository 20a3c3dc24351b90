// The exported forms of a conversation (SPEC section 3): a JSONL line with
// snake_case fields and numbers as JSON numbers, and the bracket text form
// "[CONTEXT]...[/CONTEXT] [USER]...[/USER] [AGENT]...[/AGENT]".
#pragma once

#include <string>

#include "codi/v1/conversation.pb.h"

namespace codi {

std::string ConversationToJsonLine(const codi::v1::Conversation& c);
std::string ConversationToBrackets(const codi::v1::Conversation& c);

}  // namespace codi
