// Reads the prompt layout codi sends back out of the chat messages, so the
// simulator can write a reply grounded in the document:
//
//   system: <preamble> / "Title: <title>" / "Document:" / <document to the end>
//   last user message:
//     Conversation so far:
//     [USER] ...            (or "(no turns yet)")
//     [AGENT] ...
//
//     Your task:
//     Write the next turn of the conversation as ROLE.
//     <instruction lines>
//     Example of the kind of turn wanted: <seed item>       (optional)
//     Use these linguistic phenomena: <name: text; ...>     (optional)
//     Reply with the text of the turn only.
//
// Parsing is tolerant: whatever is missing stays empty, and a prompt in some
// other layout still yields a document (all the text there is) and, from a
// plain chat, a question (the last user message) to answer.
#pragma once

#include <string>
#include <vector>

#include "common/teacher/teacher_client.h"

namespace codi {

struct PromptTurn {
  std::string role;  // upper case, e.g. "USER", "AGENT"
  std::string text;
};

struct ParsedPrompt {
  std::string title;
  std::string document;
  std::vector<PromptTurn> history;
  // The role of the turn to write ("as ROLE."); empty when not found.
  std::string target_role;
  std::string instruction;  // free-text instruction lines, joined by spaces
  std::string example;      // the seed item, if any
  std::string phenomena;    // the phenomena line's text, if any
  // True when the codi layout ("Your task:" and "as ROLE.") was found.
  bool layout_found = false;
};

ParsedPrompt ParsePrompt(const std::vector<ChatMessage>& messages);

}  // namespace codi
