// Where importers put the documents they convert.
#pragma once

#include <cstdint>
#include <cstdio>
#include <istream>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "cli/import_stats.h"
#include "codi/v1/conversation.pb.h"

namespace codi {

// Writes imported documents as JSONL (DocumentToJsonLine) and keeps their ids unique.
// Lines go to a temporary file beside the target that Commit() renames over it, so a failed
// import leaves no half-written file; a sink destroyed without a successful Commit removes
// its temporary file. A document whose id was already written is dropped when its text is
// the same (a listed-twice item) and renamed "<id>-2", "<id>-3", ... otherwise, with a
// warning either way. Every written line is one ParseDocumentJson accepts; a document it
// would refuse (an over-long text, say) is skipped with a warning. Not thread-safe.
class DocumentImportSink {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DocumentImportSink>> Create(
      const std::string& out_path);
  // A sink that keeps the JSONL in memory (lines()) instead of writing a file: for tests and
  // fuzzing. Commit only marks it committed.
  static std::unique_ptr<DocumentImportSink> CreateInMemory();
  ~DocumentImportSink();
  DocumentImportSink(const DocumentImportSink&) = delete;
  DocumentImportSink& operator=(const DocumentImportSink&) = delete;

  // Adds a document; `where` names its source item in warnings ("quac.json: data[1]...").
  // Only a write error is an error.
  [[nodiscard]] absl::Status Add(v1::Document doc, const std::string& where);
  // Records an item left out, with a one-line reason.
  void Skip(std::string warning);

  const ImportStats& stats() const { return stats_; }
  // The JSONL an in-memory sink holds (empty for a file sink).
  const std::string& lines() const { return memory_; }

  // Flushes, syncs and renames the file into place; the sink takes no more documents.
  [[nodiscard]] absl::StatusOr<ImportStats> Commit();

 private:
  struct Written {
    size_t text_hash;
    std::string where;
  };
  DocumentImportSink(std::string out_path, std::string temp_path, std::FILE* file);

  std::string out_path_;
  std::string temp_path_;
  std::FILE* file_;         // owned; null once committed
  bool in_memory_ = false;  // lines go to memory_, not file_
  bool committed_ = false;
  std::string memory_;
  absl::flat_hash_map<std::string, Written> written_;  // by id
  ImportStats stats_;
};

// What every importer's file form does: opens `in_path` (errors name it),
// streams it through `import` (the importer's stream form, given the stream,
// the name to use in errors and the sink) into a sink writing `out_path`, and
// commits the sink.
using ImportStreamFn = absl::Status (*)(std::istream& in, const std::string& source_name,
                                        DocumentImportSink& sink);
[[nodiscard]] absl::StatusOr<ImportStats> ImportFile(const std::string& in_path,
                                                     const std::string& out_path,
                                                     ImportStreamFn import);

}  // namespace codi
