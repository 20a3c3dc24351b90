// The prompt `codi eval` sends a student, written and read in this one place:
// `codi eval` builds it, the simulator (tools/teacher_sim) recognises it and
// answers as a student would. The shape is the one `codi export --format chat`
// trains on: a system message with the passage, then the conversation as
// alternating user (question) and assistant (answer) messages, ending with the
// question to answer.
//
//   system:    <kEvalPreamble>
//              If the passage does not answer the question, reply exactly: <no-answer>
//              Title: <title>                      (when the dialog has one)
//              Passage:
//              <passage, to the end>
//   user:      <question 1>
//   assistant: <answer 1>       (gold: the reference; pred: the student's own)
//   ...
//   user:      <the question to answer>
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/eval/qa_dataset.h"
#include "common/teacher/teacher_client.h"

namespace codi {

inline constexpr absl::string_view kEvalPreamble =
    "Answer the questions about the passage below, one at a time, as a conversation. Answer "
    "briefly, with words from the passage where you can.";

// What the student replies when the passage has no answer: QuAC's
// CANNOTANSWER, CoQA's "unknown".
absl::string_view NoAnswerText(QaFormat format);

struct EvalExchange {
  std::string question;
  std::string answer;
};

struct EvalPrompt {
  QaFormat format = QaFormat::kCoqa;
  std::string title;
  std::string passage;
  std::vector<EvalExchange> history;
  std::string question;
};

std::vector<ChatMessage> BuildEvalPrompt(const EvalPrompt& prompt);

// The EvalPrompt a BuildEvalPrompt made, or nullopt for any other chat.
std::optional<EvalPrompt> ParseEvalPrompt(const std::vector<ChatMessage>& messages);

}  // namespace codi
