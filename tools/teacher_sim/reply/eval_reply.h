// The simulator as a student under `codi eval`: it recognises the eval prompt
// (common/eval/eval_prompt.h) and answers the last question with a span of
// the passage, as an extractive reader would, so an eval of the simulator has
// a high score that tests can check item by item.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/teacher/teacher_client.h"

namespace codi {

// The answer to an eval prompt, or nullopt when `messages` is not one. The
// answer is WriteReply's extractive answer for the question, the history
// given as the conversation so far; when the question has content words and
// no sentence of the passage shares one, the prompt's no-answer text (QuAC's
// CANNOTANSWER, CoQA's "unknown").
std::optional<std::string> WriteEvalAnswer(const std::vector<ChatMessage>& messages, uint64_t seed);

}  // namespace codi
