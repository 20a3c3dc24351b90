// CoQA and QuAC files as dialogs to evaluate a student on: passage, and per
// turn the question and the reference answers. Also the QuAC helpers that
// `codi import-quac` shares (the passage text without QuAC's CANNOTANSWER
// suffix, the numbered questions of the JSONL form, the passage id).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace codi {

enum class QaFormat { kCoqa, kQuac };
// "coqa" or "quac".
absl::string_view QaFormatName(QaFormat format);

struct QaTurn {
  int index = 0;   // 1-based position in the dialog
  std::string id;  // CoQA: the turn_id; QuAC: the qa id (or "N" in the JSONL form)
  std::string question;
  // In the file's order. CoQA: `answers` then each of `additional_answers`;
  // QuAC: `answers[].text` (or `orig_answer` when there are none); the JSONL
  // form: the one line of each "possible answers for questionN:" block.
  std::vector<std::string> references;
  // The answer the dialog itself went on with, for a gold history: CoQA's
  // `answers` entry, QuAC's `orig_answer` (else the first reference).
  std::string gold_answer;
};

struct QaDialog {
  std::string id;  // CoQA story id; QuAC paragraph id; JSONL: QuacPassageId(passage)
  std::string title;
  std::string passage;  // QuAC: without the trailing CANNOTANSWER
  std::vector<QaTurn> turns;
};

struct QaDataset {
  QaFormat format = QaFormat::kCoqa;
  std::string form;  // "coqa-json", "quac-json" or "quac-jsonl"
  std::vector<QaDialog> dialogs;
  // Items left out, one line each naming the file and JSON path or line.
  std::vector<std::string> warnings;
};

// Reads an official CoQA file ({"data": [story...]} or a bare array of
// stories), an official QuAC file ({"data": [{"paragraphs": [...]}]}) or the
// QuAC JSONL form `codi import-quac` reads ({"passage", "question",
// "answer"} a line), telling them apart by their fields. Malformed dialogs are
// skipped with a warning; a file with none usable is an error naming the file
// and the first problem. Repeated dialog ids are an error.
[[nodiscard]] absl::StatusOr<QaDataset> LoadQaDataset(const std::string& path);

// The article a CoQA Wikipedia story's file names ("Vatican_Library.txt" ->
// "Vatican Library"); "" for other sources, whose file names are paths or hashes.
std::string CoqaArticleTitle(absl::string_view source, absl::string_view filename);

// QuAC appends " CANNOTANSWER" to every context so that a span can point at
// it; the passage is the context without it, whitespace trimmed.
std::string QuacPassageText(absl::string_view context);

// "question1: Where was she born?\nquestion2: ..." -> {"Where was she born?", ...}.
std::vector<std::string> SplitNumberedQuestions(absl::string_view field);

// The id `codi import-quac` gives a JSONL passage: "quac-" + the first 16 hex
// digits of SHA-256(text).
std::string QuacPassageId(const std::string& text);

}  // namespace codi
