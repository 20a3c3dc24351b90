#include "common/eval/eval_prompt.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"

namespace codi {
namespace {

constexpr absl::string_view kNoAnswerLead =
    "If the passage does not answer the question, reply exactly: ";
constexpr absl::string_view kTitleLead = "Title: ";
constexpr absl::string_view kPassageLead = "Passage:\n";

// Consumes `prefix` and the rest of its line from *text; returns the rest of
// the line, or nullopt when *text does not start with `prefix`.
std::optional<absl::string_view> ConsumeLine(absl::string_view* text, absl::string_view prefix) {
  if (!absl::StartsWith(*text, prefix)) return std::nullopt;
  text->remove_prefix(prefix.size());
  const size_t eol = text->find('\n');
  if (eol == absl::string_view::npos) return std::nullopt;
  absl::string_view line = text->substr(0, eol);
  text->remove_prefix(eol + 1);
  return line;
}

}  // namespace

absl::string_view NoAnswerText(QaFormat format) {
  return format == QaFormat::kQuac ? "CANNOTANSWER" : "unknown";
}

std::vector<ChatMessage> BuildEvalPrompt(const EvalPrompt& prompt) {
  std::string system =
      absl::StrCat(kEvalPreamble, "\n", kNoAnswerLead, NoAnswerText(prompt.format), "\n");
  if (!prompt.title.empty()) {
    // One line: a title never runs into the passage.
    absl::StrAppend(&system, kTitleLead, absl::StrReplaceAll(prompt.title, {{"\n", " "}}), "\n");
  }
  absl::StrAppend(&system, kPassageLead, prompt.passage);
  std::vector<ChatMessage> messages;
  messages.reserve(2 + 2 * prompt.history.size());
  messages.push_back({"system", std::move(system)});
  for (const EvalExchange& e : prompt.history) {
    messages.push_back({"user", e.question});
    messages.push_back({"assistant", e.answer});
  }
  messages.push_back({"user", prompt.question});
  return messages;
}

std::optional<EvalPrompt> ParseEvalPrompt(const std::vector<ChatMessage>& messages) {
  if (messages.size() < 2 || messages.size() % 2 != 0 || messages[0].role != "system") {
    return std::nullopt;
  }
  absl::string_view system = messages[0].content;
  if (!absl::StartsWith(system, kEvalPreamble)) return std::nullopt;
  system.remove_prefix(kEvalPreamble.size());
  if (!absl::ConsumePrefix(&system, "\n")) return std::nullopt;
  std::optional<absl::string_view> no_answer = ConsumeLine(&system, kNoAnswerLead);
  if (!no_answer) return std::nullopt;
  EvalPrompt prompt;
  prompt.format = *no_answer == NoAnswerText(QaFormat::kQuac) ? QaFormat::kQuac : QaFormat::kCoqa;
  if (std::optional<absl::string_view> title = ConsumeLine(&system, kTitleLead)) {
    prompt.title = std::string(*title);
  }
  if (!absl::ConsumePrefix(&system, kPassageLead)) return std::nullopt;
  prompt.passage = std::string(system);
  for (size_t i = 1; i + 1 < messages.size(); i += 2) {
    if (messages[i].role != "user" || messages[i + 1].role != "assistant") return std::nullopt;
    prompt.history.push_back({messages[i].content, messages[i + 1].content});
  }
  if (messages.back().role != "user") return std::nullopt;
  prompt.question = messages.back().content;
  return prompt;
}

}  // namespace codi
