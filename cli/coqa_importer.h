// `codi import-coqa`: CoQA stories as seed documents.
#pragma once

#include <istream>
#include <string>

#include "absl/status/statusor.h"
#include "cli/document_import_sink.h"
#include "cli/import_stats.h"

namespace codi {

// Converts a CoQA file to seed documents JSONL at out_path: one document per story, with
// id = the story id, text = `story`, title = the article name for Wikipedia stories
// (filename "Vatican_Library.txt" -> "Vatican Library") and the `source` otherwise, and
// seeds {"questions": [...]} from `questions[].input_text` in turn_id order. Reads the
// official layout {"version", "data": [story, ...]} and a bare array of stories.
//
// A file that is not JSON or has no story array is an error naming the file and JSON path
// ("coqa.json: data: missing, expected an array of stories"). A malformed story is skipped
// with a warning naming its path ("coqa.json: data[3].questions[2].input_text: expected a
// string; story skipped"); when every story is malformed the first such problem is the
// error. On error nothing is left at out_path.
[[nodiscard]] absl::StatusOr<ImportStats> ImportCoqa(const std::string& in_path,
                                                     const std::string& out_path);

// The conversion ImportCoqa runs, from an open stream into `sink` (which the caller commits);
// `source_name` stands for the file in errors and warnings. Errors as ImportCoqa's.
[[nodiscard]] absl::Status ImportCoqaStream(std::istream& in, const std::string& source_name,
                                            DocumentImportSink& sink);

}  // namespace codi
