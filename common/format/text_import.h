// `codi import-text`: plain text (.txt), Markdown (.md, .markdown), HTML
// (.html, .htm) and documents JSONL (.jsonl) files, and directories of them,
// cut into passages (passage_chunker.h) and written as documents JSONL, one
// {"id", "text", "title"} object a line.
//
// Ids are stable: `SOURCE#N`, where SOURCE is the file's path relative to the
// directory argument it was found under (its file name when given directly)
// and N the passage's 0-based index in the file; a JSONL line's passages are
// `ID#N` with the line's own id. Directories are walked in sorted order,
// hidden entries and other extensions left out.
//
// Memory is bounded: text and Markdown files are read a line at a time (a
// line over kMaxTextLineBytes is skipped), JSONL a document at a time, and
// passages are written as they are made; an HTML file is read whole up to
// kMaxHtmlFileBytes (a larger one is skipped). Bad input never stops the
// import: an unreadable or oversized file, a line that is not UTF-8 or a bad
// JSONL line is skipped with a warning naming the file and line.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/format/passage_chunker.h"

namespace codi {

inline constexpr uint64_t kMaxHtmlFileBytes = uint64_t{16} << 20;
inline constexpr uint64_t kMaxTextLineBytes = uint64_t{1} << 20;

struct TextImportStats {
  uint64_t passages = 0;
  // Files read (some of their lines may have been skipped).
  uint64_t files = 0;
  // Files and lines skipped, each with a warning.
  uint64_t skipped = 0;
};

// Receives one warning line: "FILE:LINE: problem; skipped" or "FILE: problem; skipped".
using ImportWarning = std::function<void(const std::string& warning)>;

// Imports `inputs` (files and directories) into `out_path`, written beside
// and renamed into place at the end. Only a failure to write the output is an
// error; bad input is warned about and skipped.
[[nodiscard]] absl::StatusOr<TextImportStats> ImportTextFiles(
    const std::vector<std::string>& inputs, const std::string& out_path,
    const ChunkOptions& options, const ImportWarning& warn);

}  // namespace codi
