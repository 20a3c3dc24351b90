#include "common/eval/qa_dataset.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/base/json_parse.h"
#include "common/base/status_macros.h"
#include "common/base/utf8.h"
#include "common/eval/answer_metrics.h"
#include "nlohmann/json.hpp"

namespace codi {
namespace {

using nlohmann::json;

absl::Status At(const std::string& path, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", problem));
}

std::string Trimmed(absl::string_view s) { return std::string(absl::StripAsciiWhitespace(s)); }

absl::StatusOr<std::string> StringField(const json& object, const std::string& path,
                                        const char* key, bool allow_empty = false) {
  auto it = object.find(key);
  const std::string field = absl::StrCat(path, ".", key);
  if (it == object.end()) return At(field, "missing, expected a string");
  if (!it->is_string()) return At(field, "expected a string, got " + JsonKindName(*it));
  std::string value = Trimmed(it->get_ref<const std::string&>());
  if (value.empty() && !allow_empty) return At(field, "expected a non-empty string");
  return value;
}

std::string OptionalString(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? Trimmed(it->get_ref<const std::string&>()) : "";
}

// Collects dialogs, skipping malformed ones and repeats with a warning.
class DialogSink {
 public:
  DialogSink(std::string file, QaDataset* dataset) : file_(std::move(file)), dataset_(dataset) {}

  void Add(absl::StatusOr<QaDialog> dialog, const std::string& where) {
    if (!dialog.ok()) {
      Skip(std::string(dialog.status().message()));
      return;
    }
    if (dialog->turns.empty()) {
      Skip(absl::StrCat(where, ": no questions"));
      return;
    }
    if (!ids_.insert(dialog->id).second) {
      dataset_->warnings.push_back(
          absl::StrCat(file_, ": ", where, ": dialog id '", dialog->id, "' repeats; skipped"));
      return;
    }
    dataset_->dialogs.push_back(*std::move(dialog));
  }

  void Skip(const std::string& problem) {
    std::string message = absl::StrCat(file_, ": ", problem);
    dataset_->warnings.push_back(message + "; skipped");
    if (!first_problem_) first_problem_ = std::move(message);
  }

  absl::Status Finish() const {
    if (!dataset_->dialogs.empty()) return absl::OkStatus();
    if (first_problem_) return absl::InvalidArgumentError(*first_problem_);
    return absl::InvalidArgumentError(file_ + ": no dialogs");
  }

 private:
  std::string file_;
  QaDataset* dataset_;
  absl::flat_hash_set<std::string> ids_;
  std::optional<std::string> first_problem_;
};

// ---- CoQA ---------------------------------------------------------------

// The input_text of each answer of `answers`, by turn_id (array order when absent).
absl::Status ReadCoqaAnswers(const json& answers, const std::string& path,
                             std::vector<std::pair<int64_t, std::string>>* out) {
  if (!answers.is_array()) return At(path, "expected an array, got " + JsonKindName(answers));
  for (size_t i = 0; i < answers.size(); ++i) {
    const json& a = answers[i];
    const std::string a_path = absl::StrCat(path, "[", i, "]");
    if (!a.is_object()) return At(a_path, "expected an object");
    CODI_ASSIGN_OR_RETURN(std::string text, StringField(a, a_path, "input_text", true));
    int64_t turn_id = static_cast<int64_t>(i) + 1;
    if (auto id = a.find("turn_id"); id != a.end()) {
      if (!id->is_number_integer()) return At(a_path + ".turn_id", "expected an integer");
      turn_id = id->get<int64_t>();
    }
    out->emplace_back(turn_id, std::move(text));
  }
  return absl::OkStatus();
}

absl::StatusOr<QaDialog> CoqaStory(const json& story, const std::string& path) {
  if (!story.is_object()) return At(path, "expected a story object, got " + JsonKindName(story));
  QaDialog dialog;
  CODI_ASSIGN_OR_RETURN(dialog.id, StringField(story, path, "id"));
  CODI_ASSIGN_OR_RETURN(dialog.passage, StringField(story, path, "story"));
  dialog.title =
      CoqaArticleTitle(OptionalString(story, "source"), OptionalString(story, "filename"));

  auto questions = story.find("questions");
  if (questions == story.end() || !questions->is_array()) {
    return At(path + ".questions", "expected an array");
  }
  auto answers = story.find("answers");
  if (answers == story.end()) return At(path + ".answers", "missing, expected an array");
  std::vector<std::vector<std::pair<int64_t, std::string>>> answer_sets(1);
  CODI_RETURN_IF_ERROR(ReadCoqaAnswers(*answers, path + ".answers", &answer_sets[0]));
  if (auto extra = story.find("additional_answers"); extra != story.end()) {
    if (!extra->is_object()) return At(path + ".additional_answers", "expected an object");
    for (const auto& [key, set] : extra->items()) {
      answer_sets.emplace_back();
      CODI_RETURN_IF_ERROR(ReadCoqaAnswers(set, absl::StrCat(path, ".additional_answers.", key),
                                           &answer_sets.back()));
    }
  }
  for (size_t i = 0; i < questions->size(); ++i) {
    const json& q = (*questions)[i];
    const std::string q_path = absl::StrCat(path, ".questions[", i, "]");
    if (!q.is_object()) return At(q_path, "expected an object");
    QaTurn turn;
    CODI_ASSIGN_OR_RETURN(turn.question, StringField(q, q_path, "input_text"));
    int64_t turn_id = static_cast<int64_t>(i) + 1;
    if (auto id = q.find("turn_id"); id != q.end()) {
      if (!id->is_number_integer()) return At(q_path + ".turn_id", "expected an integer");
      turn_id = id->get<int64_t>();
    }
    turn.id = absl::StrCat(turn_id);
    for (const auto& set : answer_sets) {
      auto it =
          std::find_if(set.begin(), set.end(), [&](const auto& a) { return a.first == turn_id; });
      if (it != set.end()) turn.references.push_back(it->second);
    }
    if (turn.references.empty()) {
      return At(q_path, absl::StrCat("no answer with turn_id ", turn_id));
    }
    turn.gold_answer = turn.references.front();
    turn.index = static_cast<int>(dialog.turns.size()) + 1;
    dialog.turns.push_back(std::move(turn));
  }
  return dialog;
}

absl::Status ReadCoqa(const json& root, const std::string& file, QaDataset* dataset) {
  dataset->format = QaFormat::kCoqa;
  dataset->form = "coqa-json";
  const json& stories = root.is_array() ? root : root["data"];
  const std::string base = root.is_array() ? "" : "data";
  DialogSink sink(file, dataset);
  for (size_t i = 0; i < stories.size(); ++i) {
    const std::string path = absl::StrCat(base, "[", i, "]");
    sink.Add(CoqaStory(stories[i], path), path);
  }
  return sink.Finish();
}

// ---- QuAC (official JSON) --------------------------------------------------

absl::StatusOr<QaDialog> QuacParagraph(const json& paragraph, const std::string& path,
                                       const std::string& title) {
  if (!paragraph.is_object()) {
    return At(path, "expected a paragraph object, got " + JsonKindName(paragraph));
  }
  QaDialog dialog;
  CODI_ASSIGN_OR_RETURN(dialog.id, StringField(paragraph, path, "id"));
  CODI_ASSIGN_OR_RETURN(std::string context, StringField(paragraph, path, "context"));
  dialog.passage = QuacPassageText(context);
  if (dialog.passage.empty()) return At(path + ".context", "expected a passage");
  dialog.title = title;
  auto qas = paragraph.find("qas");
  if (qas == paragraph.end() || !qas->is_array()) return At(path + ".qas", "expected an array");
  for (size_t i = 0; i < qas->size(); ++i) {
    const json& qa = (*qas)[i];
    const std::string qa_path = absl::StrCat(path, ".qas[", i, "]");
    if (!qa.is_object()) return At(qa_path, "expected an object");
    QaTurn turn;
    CODI_ASSIGN_OR_RETURN(turn.question, StringField(qa, qa_path, "question"));
    turn.id = OptionalString(qa, "id");
    if (turn.id.empty()) turn.id = absl::StrCat(dialog.id, "_q#", i);
    if (auto answers = qa.find("answers"); answers != qa.end()) {
      if (!answers->is_array()) return At(qa_path + ".answers", "expected an array");
      for (size_t k = 0; k < answers->size(); ++k) {
        const json& a = (*answers)[k];
        const std::string a_path = absl::StrCat(qa_path, ".answers[", k, "]");
        if (!a.is_object()) return At(a_path, "expected an object");
        CODI_ASSIGN_OR_RETURN(std::string text, StringField(a, a_path, "text"));
        turn.references.push_back(std::move(text));
      }
    }
    if (auto orig = qa.find("orig_answer"); orig != qa.end() && orig->is_object()) {
      CODI_ASSIGN_OR_RETURN(turn.gold_answer, StringField(*orig, qa_path + ".orig_answer", "text"));
    }
    if (turn.references.empty()) {
      if (turn.gold_answer.empty()) return At(qa_path, "no answers and no orig_answer");
      turn.references.push_back(turn.gold_answer);
    }
    if (turn.gold_answer.empty()) turn.gold_answer = turn.references.front();
    turn.index = static_cast<int>(dialog.turns.size()) + 1;
    dialog.turns.push_back(std::move(turn));
  }
  return dialog;
}

absl::Status ReadQuacJson(const json& root, const std::string& file, QaDataset* dataset) {
  dataset->format = QaFormat::kQuac;
  dataset->form = "quac-json";
  const json& data = root["data"];
  DialogSink sink(file, dataset);
  for (size_t i = 0; i < data.size(); ++i) {
    const json& article = data[i];
    const std::string path = absl::StrCat("data[", i, "]");
    if (!article.is_object()) {
      sink.Skip(At(path, "expected an object, got " + JsonKindName(article)).message().data());
      continue;
    }
    auto paragraphs = article.find("paragraphs");
    if (paragraphs == article.end() || !paragraphs->is_array()) {
      sink.Skip(absl::StrCat(path, ".paragraphs: expected an array"));
      continue;
    }
    std::string title = OptionalString(article, "title");
    const std::string section = OptionalString(article, "section_title");
    if (!section.empty()) title = title.empty() ? section : absl::StrCat(title, " — ", section);
    for (size_t j = 0; j < paragraphs->size(); ++j) {
      const std::string p_path = absl::StrCat(path, ".paragraphs[", j, "]");
      sink.Add(QuacParagraph((*paragraphs)[j], p_path, title), p_path);
    }
  }
  return sink.Finish();
}

// ---- QuAC (JSONL: passage, numbered questions, answer blocks) --------------

// "possible answers for question1:\n<text>\npossible answers for question2:\n..."
// -> {"<text>", ...}. A block whose words are all CANNOTANSWER is CANNOTANSWER.
std::vector<std::string> SplitAnswerBlocks(absl::string_view field) {
  std::vector<std::string> blocks;
  std::optional<std::string> current;
  for (absl::string_view line : absl::StrSplit(field, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (absl::StartsWithIgnoreCase(line, "possible answers for question")) {
      if (current) blocks.push_back(std::move(*current));
      current = std::string();
      continue;
    }
    if (!current) continue;
    if (!current->empty() && !line.empty()) current->push_back(' ');
    absl::StrAppend(&*current, line);
  }
  if (current) blocks.push_back(std::move(*current));
  for (std::string& b : blocks) {
    bool all_cannot = !b.empty();
    for (absl::string_view w : absl::StrSplit(b, ' ', absl::SkipEmpty())) {
      all_cannot = all_cannot && w == kCannotAnswer;
    }
    if (all_cannot) b = std::string(kCannotAnswer);
  }
  return blocks;
}

absl::Status ReadQuacJsonl(const std::string& file, QaDataset* dataset) {
  dataset->format = QaFormat::kQuac;
  dataset->form = "quac-jsonl";
  std::ifstream in(file, std::ios::binary);
  if (!in) return absl::ErrnoToStatus(errno, file + ": cannot open");
  DialogSink sink(file, dataset);
  std::optional<QaDialog> dialog;
  std::string raw_passage, dialog_where;
  auto flush = [&] {
    if (dialog) sink.Add(*std::move(dialog), dialog_where);
    dialog.reset();
  };
  std::string line;
  for (uint64_t n = 1; std::getline(in, line); ++n) {
    const std::string where = absl::StrCat("line ", n);
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    if (std::optional<size_t> bad = FirstInvalidUtf8Byte(line)) {
      sink.Skip(absl::StrCat(where, ": not valid UTF-8 at byte ", *bad));
      continue;
    }
    absl::StatusOr<json> row = ParseJson(line);
    if (!row.ok() || !row->is_object()) {
      sink.Skip(
          absl::StrCat(where, ": ", row.ok() ? "expected a JSON object" : row.status().message()));
      continue;
    }
    auto passage = row->find("passage");
    auto question = row->find("question");
    auto answer = row->find("answer");
    if (passage == row->end() || !passage->is_string() ||
        QuacPassageText(passage->get_ref<const std::string&>()).empty()) {
      sink.Skip(where + ": field \"passage\": expected a non-empty string");
      continue;
    }
    if (question == row->end() || !question->is_string() || answer == row->end() ||
        !answer->is_string()) {
      sink.Skip(where + ": fields \"question\" and \"answer\": expected strings");
      continue;
    }
    std::vector<std::string> questions =
        SplitNumberedQuestions(question->get_ref<const std::string&>());
    std::vector<std::string> answers = SplitAnswerBlocks(answer->get_ref<const std::string&>());
    if (questions.size() != answers.size()) {
      sink.Skip(absl::StrCat(where, ": ", questions.size(), " questions but ", answers.size(),
                             " answer blocks"));
      continue;
    }
    if (!dialog || raw_passage != passage->get_ref<const std::string&>()) {
      flush();
      raw_passage = passage->get<std::string>();
      dialog_where = where;
      dialog.emplace();
      dialog->passage = QuacPassageText(raw_passage);
      dialog->id = QuacPassageId(dialog->passage);
    }
    for (size_t i = 0; i < questions.size(); ++i) {
      QaTurn turn;
      turn.index = static_cast<int>(dialog->turns.size()) + 1;
      turn.id = absl::StrCat(turn.index);
      turn.question = std::move(questions[i]);
      turn.gold_answer = answers[i];
      turn.references.push_back(std::move(answers[i]));
      dialog->turns.push_back(std::move(turn));
    }
  }
  if (in.bad()) return absl::DataLossError(file + ": read error");
  flush();
  return sink.Finish();
}

bool LooksLikeJsonl(const std::string& path) {
  if (absl::EndsWithIgnoreCase(path, ".jsonl")) return true;
  std::ifstream in(path, std::ios::binary);
  std::string first_line;
  if (!std::getline(in, first_line)) return false;
  absl::StatusOr<json> row = ParseJson(first_line);
  return row.ok() && row->is_object() && row->contains("passage");
}

}  // namespace

std::string CoqaArticleTitle(absl::string_view source, absl::string_view filename) {
  if (source != "wikipedia") return "";
  if (size_t slash = filename.rfind('/'); slash != absl::string_view::npos) {
    filename.remove_prefix(slash + 1);
  }
  absl::ConsumeSuffix(&filename, ".txt");
  return absl::StrReplaceAll(filename, {{"_", " "}});
}

absl::string_view QaFormatName(QaFormat format) {
  return format == QaFormat::kCoqa ? "coqa" : "quac";
}

std::string QuacPassageText(absl::string_view context) {
  context = absl::StripAsciiWhitespace(context);
  if (absl::ConsumeSuffix(&context, kCannotAnswer)) context = absl::StripAsciiWhitespace(context);
  return std::string(context);
}

std::vector<std::string> SplitNumberedQuestions(absl::string_view field) {
  std::vector<std::string> questions;
  for (absl::string_view line : absl::StrSplit(field, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (absl::StartsWithIgnoreCase(line, "question")) {
      absl::string_view rest = line.substr(8);
      size_t digits = 0;
      while (digits < rest.size() && absl::ascii_isdigit(rest[digits])) ++digits;
      if (digits > 0 && digits < rest.size() && rest[digits] == ':') {
        line = absl::StripAsciiWhitespace(rest.substr(digits + 1));
      }
    }
    if (!line.empty()) questions.emplace_back(line);
  }
  return questions;
}

std::string QuacPassageId(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "quac-";
  for (int i = 0; i < 8; ++i) {
    id.push_back(kHex[digest[i] >> 4]);
    id.push_back(kHex[digest[i] & 0xF]);
  }
  return id;
}

absl::StatusOr<QaDataset> LoadQaDataset(const std::string& path) {
  {
    std::ifstream probe(path, std::ios::binary);
    if (!probe) {
      if (errno == ENOENT) return absl::NotFoundError(path + ": no such file");
      return absl::ErrnoToStatus(errno, path + ": cannot open");
    }
  }
  QaDataset dataset;
  if (LooksLikeJsonl(path)) {
    CODI_RETURN_IF_ERROR(ReadQuacJsonl(path, &dataset));
    return dataset;
  }
  std::ifstream in(path, std::ios::binary);
  absl::StatusOr<json> parsed = ParseJsonStream(in);
  if (!parsed.ok()) {
    return absl::Status(parsed.status().code(),
                        absl::StrCat(path, ": ", parsed.status().message()));
  }
  const json* items = nullptr;
  if (parsed->is_array()) {
    items = &*parsed;
  } else if (parsed->is_object() && parsed->contains("data") && (*parsed)["data"].is_array()) {
    items = &(*parsed)["data"];
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ": expected CoQA ({\"data\": [stories]}) or QuAC ({\"data\": [{\"paragraphs\"}]})"
        " JSON, or QuAC JSONL; got ",
        JsonKindName(*parsed), parsed->is_object() ? " without a \"data\" array" : ""));
  }
  // The first object decides: a story has "story", a QuAC article "paragraphs".
  for (const json& item : *items) {
    if (!item.is_object()) continue;
    if (item.contains("story")) {
      CODI_RETURN_IF_ERROR(ReadCoqa(*parsed, path, &dataset));
      return dataset;
    }
    if (item.contains("paragraphs") && parsed->is_object()) {
      CODI_RETURN_IF_ERROR(ReadQuacJson(*parsed, path, &dataset));
      return dataset;
    }
  }
  return absl::InvalidArgumentError(
      path + ": data: no CoQA story (\"story\") or QuAC article (\"paragraphs\") found");
}

}  // namespace codi
