#include "cli/quac_importer.h"

#include <cerrno>
#include <fstream>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/document_import_sink.h"
#include "common/base/json_parse.h"
#include "common/base/status_macros.h"
#include "common/base/utf8.h"
#include "common/eval/qa_dataset.h"
#include "nlohmann/json.hpp"

namespace codi {
namespace {

using nlohmann::json;

absl::Status At(const std::string& path, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", problem));
}

void SetQuestions(std::vector<std::string> questions, v1::Document* doc) {
  if (questions.empty()) return;
  v1::StringList& pool = (*doc->mutable_seeds())["questions"];
  for (std::string& q : questions) pool.add_items(std::move(q));
}

absl::StatusOr<v1::Document> ParagraphToDocument(const json& paragraph, const std::string& path,
                                                 const std::string& title) {
  if (!paragraph.is_object()) {
    return At(path, "expected a paragraph object, got " + JsonKindName(paragraph));
  }
  v1::Document doc;
  auto id = paragraph.find("id");
  if (id == paragraph.end() || !id->is_string() || id->get_ref<const std::string&>().empty()) {
    return At(path + ".id", "expected a non-empty string");
  }
  doc.set_id(id->get<std::string>());
  auto context = paragraph.find("context");
  if (context == paragraph.end() || !context->is_string()) {
    return At(path + ".context", "expected a non-empty string");
  }
  doc.set_text(QuacPassageText(context->get_ref<const std::string&>()));
  if (doc.text().empty()) return At(path + ".context", "expected a non-empty string");
  doc.set_title(title);

  auto qas = paragraph.find("qas");
  if (qas == paragraph.end()) return At(path + ".qas", "missing, expected an array");
  if (!qas->is_array()) return At(path + ".qas", "expected an array");
  std::vector<std::string> questions;
  for (size_t i = 0; i < qas->size(); ++i) {
    const json& qa = (*qas)[i];
    const std::string qa_path = absl::StrCat(path, ".qas[", i, "]");
    if (!qa.is_object()) return At(qa_path, "expected an object");
    auto question = qa.find("question");
    if (question == qa.end() || !question->is_string()) {
      return At(qa_path + ".question", "expected a string");
    }
    std::string text(absl::StripAsciiWhitespace(question->get_ref<const std::string&>()));
    if (!text.empty()) questions.push_back(std::move(text));
  }
  SetQuestions(std::move(questions), &doc);
  return doc;
}

absl::Status ImportQuacJson(std::istream& in, const std::string& in_path,
                            DocumentImportSink& sink) {
  absl::StatusOr<json> parsed = ParseJsonStream(in);
  if (!parsed.ok()) {
    return absl::Status(parsed.status().code(),
                        absl::StrCat(in_path, ": ", parsed.status().message()));
  }
  if (!parsed->is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        in_path, ": expected an object with a \"data\" array, got ", JsonKindName(*parsed)));
  }
  auto data = parsed->find("data");
  if (data == parsed->end()) {
    return absl::InvalidArgumentError(in_path + ": data: missing, expected an array of articles");
  }
  if (!data->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(in_path, ": data: expected an array of articles, got ", JsonKindName(*data)));
  }

  std::optional<std::string> first_problem;
  auto skip = [&](absl::string_view problem, absl::string_view what) {
    std::string message = absl::StrCat(in_path, ": ", problem);
    sink.Skip(absl::StrCat(message, "; ", what, " skipped"));
    if (!first_problem) first_problem = std::move(message);
  };
  for (size_t i = 0; i < data->size(); ++i) {
    const json& article = (*data)[i];
    const std::string path = absl::StrCat("data[", i, "]");
    if (!article.is_object()) {
      skip(At(path, "expected an object, got " + JsonKindName(article)).message(), "article");
      continue;
    }
    auto paragraphs = article.find("paragraphs");
    if (paragraphs == article.end() || !paragraphs->is_array()) {
      skip(At(path + ".paragraphs", "expected an array").message(), "article");
      continue;
    }
    auto text_field = [&](const char* key) {
      auto it = article.find(key);
      return it != article.end() && it->is_string()
                 ? std::string(absl::StripAsciiWhitespace(it->get_ref<const std::string&>()))
                 : std::string();
    };
    std::string title = text_field("title");
    const std::string section = text_field("section_title");
    if (!section.empty()) title = title.empty() ? section : absl::StrCat(title, " — ", section);

    for (size_t j = 0; j < paragraphs->size(); ++j) {
      const std::string paragraph_path = absl::StrCat(path, ".paragraphs[", j, "]");
      absl::StatusOr<v1::Document> doc =
          ParagraphToDocument((*paragraphs)[j], paragraph_path, title);
      if (!doc.ok()) {
        skip(doc.status().message(), "paragraph");
        continue;
      }
      CODI_RETURN_IF_ERROR(sink.Add(*std::move(doc), absl::StrCat(in_path, ": ", paragraph_path)));
    }
  }
  if (sink.stats().documents == 0 && first_problem) {
    return absl::InvalidArgumentError(*first_problem);
  }
  return absl::OkStatus();
}

// One passage and its questions from consecutive JSONL lines.
struct PassageGroup {
  std::string passage;  // as the file has it, to compare with the next line's
  std::string where;    // FILE:LINE of its first line
  std::vector<std::string> questions;
};

absl::Status ImportQuacJsonl(std::istream& in, const std::string& in_path,
                             DocumentImportSink& sink) {
  std::optional<std::string> first_problem;
  std::optional<PassageGroup> group;
  auto flush = [&]() -> absl::Status {
    if (!group) return absl::OkStatus();
    v1::Document doc;
    doc.set_text(QuacPassageText(group->passage));
    doc.set_id(QuacPassageId(doc.text()));
    SetQuestions(std::move(group->questions), &doc);
    const std::string where = std::move(group->where);
    group.reset();
    return sink.Add(std::move(doc), where);
  };

  std::string line;
  for (uint64_t line_number = 1; std::getline(in, line); ++line_number) {
    const std::string where = absl::StrCat(in_path, ":", line_number);
    auto skip = [&](absl::string_view problem) {
      std::string message = absl::StrCat(where, ": ", problem);
      sink.Skip(message + "; line skipped");
      if (!first_problem) first_problem = std::move(message);
    };
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    if (std::optional<size_t> bad = FirstInvalidUtf8Byte(line)) {
      skip(absl::StrCat("not valid UTF-8 at byte ", *bad));
      continue;
    }
    absl::StatusOr<json> row = ParseJson(line);
    if (!row.ok()) {
      skip(row.status().message());
      continue;
    }
    if (!row->is_object()) {
      skip("expected a JSON object, got " + JsonKindName(*row));
      continue;
    }
    auto passage = row->find("passage");
    if (passage == row->end() || !passage->is_string() ||
        QuacPassageText(passage->get_ref<const std::string&>()).empty()) {
      skip("field \"passage\": expected a non-empty string");
      continue;
    }
    auto question = row->find("question");
    if (question != row->end() && !question->is_string()) {
      skip("field \"question\": expected a string");
      continue;
    }
    if (!group || group->passage != passage->get_ref<const std::string&>()) {
      CODI_RETURN_IF_ERROR(flush());
      group = PassageGroup{passage->get<std::string>(), where, {}};
    }
    if (question != row->end()) {
      for (std::string& q : SplitNumberedQuestions(question->get_ref<const std::string&>())) {
        group->questions.push_back(std::move(q));
      }
    }
  }
  if (in.bad()) return absl::DataLossError(in_path + ": read error");
  CODI_RETURN_IF_ERROR(flush());
  if (sink.stats().documents == 0 && first_problem) {
    return absl::InvalidArgumentError(*first_problem);
  }
  return absl::OkStatus();
}

// JSONL when the name says so or the first line is a whole object with a "passage". Reads
// the first line and seeks back to where the stream was.
bool LooksLikeJsonl(std::istream& in, const std::string& path) {
  if (absl::EndsWithIgnoreCase(path, ".jsonl")) return true;
  const std::istream::pos_type start = in.tellg();
  std::string first_line;
  const bool read = static_cast<bool>(std::getline(in, first_line));
  in.clear();
  in.seekg(start);
  if (!read) return false;
  absl::StatusOr<json> row = ParseJson(first_line);
  return row.ok() && row->is_object() && row->contains("passage");
}

}  // namespace

absl::Status ImportQuacStream(std::istream& in, const std::string& source_name,
                              DocumentImportSink& sink) {
  return LooksLikeJsonl(in, source_name) ? ImportQuacJsonl(in, source_name, sink)
                                         : ImportQuacJson(in, source_name, sink);
}

absl::StatusOr<ImportStats> ImportQuac(const std::string& in_path, const std::string& out_path) {
  return ImportFile(in_path, out_path, ImportQuacStream);
}

}  // namespace codi
