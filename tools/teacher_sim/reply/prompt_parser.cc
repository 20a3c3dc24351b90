#include "tools/teacher_sim/reply/prompt_parser.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace codi {
namespace {

constexpr absl::string_view kConversationHeader = "Conversation so far:";
constexpr absl::string_view kTaskHeader = "Your task:";
constexpr absl::string_view kWriteAs = "Write the next turn of the conversation as ";
constexpr absl::string_view kExample = "Example of the kind of turn wanted:";
constexpr absl::string_view kPhenomena = "Use these linguistic phenomena:";
constexpr absl::string_view kReplyOnly = "Reply with the text of the turn only.";

std::string Trimmed(absl::string_view s) { return std::string(absl::StripAsciiWhitespace(s)); }

// "[ROLE] text" with ROLE made of upper-case letters, digits and '_'.
bool SplitTurnLine(absl::string_view line, std::string* role, absl::string_view* text) {
  if (line.size() < 3 || line[0] != '[') return false;
  const size_t close = line.find(']');
  if (close == absl::string_view::npos || close < 2) return false;
  for (size_t i = 1; i < close; ++i) {
    const char c = line[i];
    if (!(absl::ascii_isupper(c) || absl::ascii_isdigit(c) || c == '_' || c == '-')) return false;
  }
  *role = std::string(line.substr(1, close - 1));
  *text = absl::StripAsciiWhitespace(line.substr(close + 1));
  return true;
}

void ParseHistory(absl::string_view section, std::vector<PromptTurn>* history) {
  for (absl::string_view line : absl::StrSplit(section, '\n')) {
    std::string role;
    absl::string_view text;
    if (SplitTurnLine(line, &role, &text)) {
      history->push_back({role, std::string(text)});
    } else if (!history->empty() && !absl::StripAsciiWhitespace(line).empty()) {
      // A turn whose text spans several lines.
      absl::StrAppend(&history->back().text, "\n", absl::StripAsciiWhitespace(line));
    }
  }
}

void ParseTask(absl::string_view section, ParsedPrompt* out) {
  std::vector<std::string> instruction;
  for (absl::string_view raw : absl::StrSplit(section, '\n')) {
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line == kReplyOnly) continue;
    if (absl::ConsumePrefix(&line, kWriteAs)) {
      absl::ConsumeSuffix(&line, ".");
      out->target_role = Trimmed(line);
    } else if (absl::ConsumePrefix(&line, kExample)) {
      out->example = Trimmed(line);
    } else if (absl::ConsumePrefix(&line, kPhenomena)) {
      out->phenomena = Trimmed(line);
    } else {
      instruction.emplace_back(line);
    }
  }
  out->instruction = absl::StrJoin(instruction, " ");
}

// Splits the system message into title and document.
void ParseSystem(absl::string_view system, ParsedPrompt* out) {
  size_t doc_at = absl::string_view::npos;
  size_t pos = 0;
  while (pos <= system.size()) {
    size_t end = system.find('\n', pos);
    if (end == absl::string_view::npos) end = system.size();
    absl::string_view line = system.substr(pos, end - pos);
    absl::string_view stripped = absl::StripLeadingAsciiWhitespace(line);
    if (out->title.empty() && absl::StartsWith(stripped, "Title:")) {
      out->title = Trimmed(stripped.substr(6));
    } else if (absl::StartsWith(stripped, "Document:")) {
      doc_at = pos + (line.size() - stripped.size()) + 9;
      break;
    }
    pos = end + 1;
  }
  out->document = Trimmed(doc_at == absl::string_view::npos ? system : system.substr(doc_at));
}

}  // namespace

ParsedPrompt ParsePrompt(const std::vector<ChatMessage>& messages) {
  ParsedPrompt out;
  const ChatMessage* system = nullptr;
  for (const auto& m : messages) {
    if (m.role == "system") {
      system = &m;
      break;
    }
  }
  if (system != nullptr) ParseSystem(system->content, &out);

  const ChatMessage* last = messages.empty() ? nullptr : &messages.back();
  absl::string_view tail = last != nullptr ? absl::string_view(last->content) : absl::string_view();
  const size_t task_at = tail.rfind(kTaskHeader);
  if (last != nullptr && last != system && task_at != absl::string_view::npos) {
    absl::string_view before = tail.substr(0, task_at);
    if (size_t conv = before.find(kConversationHeader); conv != absl::string_view::npos) {
      ParseHistory(before.substr(conv + kConversationHeader.size()), &out.history);
    }
    ParseTask(tail.substr(task_at + kTaskHeader.size()), &out);
    out.layout_found = !out.target_role.empty();
  }
  if (out.layout_found) return out;

  // Some other layout. Earlier user/assistant messages become history, the
  // last user message the question to answer, and with no system message all
  // the text is the document.
  out.history.clear();
  for (const auto& m : messages) {
    if (&m == system) continue;
    std::string role = absl::AsciiStrToUpper(m.role);
    if (role == "ASSISTANT") role = "AGENT";
    out.history.push_back({role, Trimmed(m.content)});
  }
  if (out.document.empty()) {
    std::vector<absl::string_view> texts;
    for (const auto& m : messages) texts.push_back(m.content);
    out.document = Trimmed(absl::StrJoin(texts, "\n"));
  }
  if (out.target_role.empty()) {
    out.target_role = (last != nullptr && last->role == "assistant") ? "USER" : "AGENT";
  }
  return out;
}

}  // namespace codi
