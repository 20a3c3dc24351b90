#include "tools/teacher_sim/reply/eval_reply.h"

#include "common/eval/eval_prompt.h"
#include "tools/teacher_sim/reply/passage.h"
#include "tools/teacher_sim/reply/prompt_parser.h"
#include "tools/teacher_sim/reply/reply_writer.h"

namespace codi {

std::optional<std::string> WriteEvalAnswer(const std::vector<ChatMessage>& messages,
                                           uint64_t seed) {
  std::optional<EvalPrompt> eval = ParseEvalPrompt(messages);
  if (!eval.has_value()) return std::nullopt;
  const Passage passage(eval->passage);
  // A question with words of its own that no sentence shares has no answer
  // here; one without ("And?", "How many?") leans on the conversation.
  const std::vector<std::string> words = ContentWords(eval->question);
  if (!words.empty() && passage.BestMatch(words) < 0) {
    return std::string(NoAnswerText(eval->format));
  }
  ParsedPrompt prompt;
  prompt.title = eval->title;
  prompt.document = eval->passage;
  for (const EvalExchange& e : eval->history) {
    prompt.history.push_back({"USER", e.question});
    prompt.history.push_back({"AGENT", e.answer});
  }
  prompt.history.push_back({"USER", eval->question});
  prompt.target_role = "AGENT";
  prompt.instruction = "Answer the question from the document.";
  prompt.layout_found = true;
  return WriteReply(prompt, seed);
}

}  // namespace codi
