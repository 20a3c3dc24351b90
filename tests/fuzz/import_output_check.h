// What every importer's output must be, whatever its input: JSONL whose
// every line the document reader accepts, as many lines as documents counted.
#pragma once

#include <optional>
#include <string>

#include "cli/document_import_sink.h"
#include "common/format/document_jsonl.h"
#include "tests/fuzz/fuzz_check.h"

namespace codi::fuzz {

inline void CheckImportOutput(const DocumentImportSink& sink) {
  absl::StatusOr<DocumentJsonlReader> reader = DocumentJsonlReader::FromBytes(sink.lines(), "out");
  FUZZ_CHECK(reader.ok(), "%s", std::string(reader.status().message()).c_str());
  uint64_t documents = 0;
  while (std::optional<DocumentJsonlReader::Entry> entry = reader->Next()) {
    FUZZ_CHECK(entry->document.ok(), "imported line %llu does not read back: %s",
               static_cast<unsigned long long>(entry->line),
               std::string(entry->document.status().message()).c_str());
    ++documents;
  }
  FUZZ_CHECK(documents == sink.stats().documents, "%llu lines for %llu documents",
             static_cast<unsigned long long>(documents),
             static_cast<unsigned long long>(sink.stats().documents));
  for (const std::string& warning : sink.stats().warnings) {
    FUZZ_CHECK(!warning.empty() && warning.find('\n') == std::string::npos,
               "a warning is not one line: %s", warning.c_str());
  }
}

}  // namespace codi::fuzz
