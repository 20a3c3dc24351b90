#include "cli/coqa_importer.h"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "cli/document_import_sink.h"
#include "common/base/json_parse.h"
#include "common/base/status_macros.h"
#include "common/eval/qa_dataset.h"
#include "nlohmann/json.hpp"

namespace codi {
namespace {

using nlohmann::json;

absl::Status At(const std::string& path, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", problem));
}

absl::StatusOr<std::string> NonEmptyString(const json& object, const std::string& path,
                                           const char* key) {
  auto it = object.find(key);
  const std::string field = absl::StrCat(path, ".", key);
  if (it == object.end()) return At(field, "missing, expected a non-empty string");
  if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
    return At(field, "expected a non-empty string");
  }
  return it->get<std::string>();
}

std::string OptionalString(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// The article a Wikipedia story's file names (shared with `codi eval`); other
// sources' file names are internal paths or hashes, so the source ("cnn",
// "gutenberg") is the title.
std::string CoqaTitle(const std::string& source, const std::string& filename) {
  std::string article = CoqaArticleTitle(source, filename);
  return article.empty() ? source : article;
}

absl::StatusOr<v1::Document> StoryToDocument(const json& story, const std::string& path) {
  if (!story.is_object()) return At(path, "expected a story object, got " + JsonKindName(story));
  v1::Document doc;
  CODI_ASSIGN_OR_RETURN(*doc.mutable_id(), NonEmptyString(story, path, "id"));
  CODI_ASSIGN_OR_RETURN(*doc.mutable_text(), NonEmptyString(story, path, "story"));
  doc.set_title(CoqaTitle(OptionalString(story, "source"), OptionalString(story, "filename")));

  auto questions = story.find("questions");
  const std::string questions_path = path + ".questions";
  if (questions == story.end()) return At(questions_path, "missing, expected an array");
  if (!questions->is_array()) return At(questions_path, "expected an array");
  std::vector<std::pair<int64_t, std::string>> turns;  // (turn_id, question)
  for (size_t i = 0; i < questions->size(); ++i) {
    const json& q = (*questions)[i];
    const std::string q_path = absl::StrCat(questions_path, "[", i, "]");
    if (!q.is_object()) return At(q_path, "expected an object");
    auto text = q.find("input_text");
    if (text == q.end() || !text->is_string())
      return At(q_path + ".input_text", "expected a string");
    int64_t turn_id = static_cast<int64_t>(i) + 1;  // array order when turn_id is absent
    if (auto id = q.find("turn_id"); id != q.end()) {
      if (!id->is_number_integer()) return At(q_path + ".turn_id", "expected an integer");
      turn_id = id->get<int64_t>();
    }
    std::string question(absl::StripAsciiWhitespace(text->get<std::string>()));
    if (!question.empty()) turns.emplace_back(turn_id, std::move(question));
  }
  std::stable_sort(turns.begin(), turns.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  if (!turns.empty()) {
    v1::StringList& pool = (*doc.mutable_seeds())["questions"];
    for (auto& [turn, question] : turns) pool.add_items(std::move(question));
  }
  return doc;
}

}  // namespace

absl::Status ImportCoqaStream(std::istream& in, const std::string& source_name,
                              DocumentImportSink& sink) {
  absl::StatusOr<json> parsed = ParseJsonStream(in);
  if (!parsed.ok()) {
    return absl::Status(parsed.status().code(),
                        absl::StrCat(source_name, ": ", parsed.status().message()));
  }
  const json* stories = &*parsed;
  std::string base;  // the JSON path of the story array
  if (parsed->is_object()) {
    auto data = parsed->find("data");
    if (data == parsed->end()) {
      return absl::InvalidArgumentError(source_name +
                                        ": data: missing, expected an array of stories");
    }
    if (!data->is_array()) {
      return absl::InvalidArgumentError(absl::StrCat(
          source_name, ": data: expected an array of stories, got ", JsonKindName(*data)));
    }
    stories = &*data;
    base = "data";
  } else if (!parsed->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": expected an object with a \"data\" array of stories, got ",
                     JsonKindName(*parsed)));
  }

  std::optional<std::string> first_problem;
  for (size_t i = 0; i < stories->size(); ++i) {
    const std::string path = absl::StrCat(base, "[", i, "]");
    absl::StatusOr<v1::Document> doc = StoryToDocument((*stories)[i], path);
    if (!doc.ok()) {
      std::string problem = absl::StrCat(source_name, ": ", doc.status().message());
      sink.Skip(problem + "; story skipped");
      if (!first_problem) first_problem = std::move(problem);
      continue;
    }
    CODI_RETURN_IF_ERROR(sink.Add(*std::move(doc), absl::StrCat(source_name, ": ", path)));
  }
  if (sink.stats().documents == 0 && first_problem) {
    return absl::InvalidArgumentError(*first_problem);
  }
  return absl::OkStatus();
}

absl::StatusOr<ImportStats> ImportCoqa(const std::string& in_path, const std::string& out_path) {
  return ImportFile(in_path, out_path, ImportCoqaStream);
}

}  // namespace codi
