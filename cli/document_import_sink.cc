#include "cli/document_import_sink.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <functional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/format/document_jsonl.h"

namespace codi {

absl::StatusOr<std::unique_ptr<DocumentImportSink>> DocumentImportSink::Create(
    const std::string& out_path) {
  std::string temp_path = out_path + ".tmp-XXXXXX";
  const int fd = mkstemp(temp_path.data());
  if (fd < 0) return absl::ErrnoToStatus(errno, out_path + ": cannot create a temporary file");
  // mkstemp makes the file private; an imported corpus is ordinary data.
  fchmod(fd, 0644);
  std::FILE* file = fdopen(fd, "wb");
  if (file == nullptr) {
    const int error = errno;
    close(fd);
    unlink(temp_path.c_str());
    return absl::ErrnoToStatus(error, out_path + ": cannot open");
  }
  return std::unique_ptr<DocumentImportSink>(
      new DocumentImportSink(out_path, std::move(temp_path), file));
}

std::unique_ptr<DocumentImportSink> DocumentImportSink::CreateInMemory() {
  std::unique_ptr<DocumentImportSink> sink(new DocumentImportSink("(memory)", "", nullptr));
  sink->in_memory_ = true;
  return sink;
}

DocumentImportSink::DocumentImportSink(std::string out_path, std::string temp_path, std::FILE* file)
    : out_path_(std::move(out_path)), temp_path_(std::move(temp_path)), file_(file) {}

DocumentImportSink::~DocumentImportSink() {
  if (file_ != nullptr) {
    std::fclose(file_);
    unlink(temp_path_.c_str());
  }
}

void DocumentImportSink::Skip(std::string warning) {
  ++stats_.skipped;
  stats_.warnings.push_back(std::move(warning));
}

absl::Status DocumentImportSink::Add(v1::Document doc, const std::string& where) {
  if (committed_) return absl::FailedPreconditionError("the import is already committed");
  const size_t text_hash = std::hash<std::string>()(doc.text());
  if (auto it = written_.find(doc.id()); it != written_.end()) {
    if (it->second.text_hash == text_hash) {
      Skip(absl::StrCat(where, ": repeats ", it->second.where, " (id \"", doc.id(),
                        "\", same text); skipped"));
      return absl::OkStatus();
    }
    std::string renamed;
    for (int n = 2; renamed.empty() || written_.contains(renamed); ++n) {
      renamed = absl::StrCat(doc.id(), "-", n);
    }
    stats_.warnings.push_back(absl::StrCat(where, ": id \"", doc.id(), "\" is already used by ",
                                           it->second.where, "; renamed to \"", renamed, "\""));
    doc.set_id(renamed);
  }
  std::string line = DocumentToJsonLine(doc);
  if (absl::Status valid = ParseDocumentJson(line, kDefaultMaxDocumentTextBytes).status();
      !valid.ok()) {
    Skip(absl::StrCat(where, ": ", valid.message(), "; skipped"));
    return absl::OkStatus();
  }
  line.push_back('\n');
  if (in_memory_) {
    memory_ += line;
  } else if (std::fwrite(line.data(), 1, line.size(), file_) != line.size()) {
    return absl::ErrnoToStatus(errno, out_path_ + ": cannot write");
  }
  ++stats_.documents;
  if (auto pool = doc.seeds().find("questions"); pool != doc.seeds().end()) {
    stats_.questions += pool->second.items_size();
  }
  written_.emplace(doc.id(), Written{text_hash, where});
  return absl::OkStatus();
}

absl::StatusOr<ImportStats> DocumentImportSink::Commit() {
  if (committed_) return absl::FailedPreconditionError("the import is already committed");
  committed_ = true;
  if (in_memory_) return stats_;
  std::FILE* file = std::exchange(file_, nullptr);
  const bool written = std::fflush(file) == 0 && fsync(fileno(file)) == 0;
  const int write_error = errno;
  if (std::fclose(file) != 0 || !written) {
    const int error = written ? errno : write_error;
    unlink(temp_path_.c_str());
    return absl::ErrnoToStatus(error, out_path_ + ": cannot write");
  }
  if (std::rename(temp_path_.c_str(), out_path_.c_str()) != 0) {
    const int error = errno;
    unlink(temp_path_.c_str());
    return absl::ErrnoToStatus(error, out_path_ + ": cannot rename the finished import into place");
  }
  return stats_;
}

absl::StatusOr<ImportStats> ImportFile(const std::string& in_path, const std::string& out_path,
                                       ImportStreamFn import) {
  std::ifstream in(in_path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return absl::NotFoundError(in_path + ": no such file");
    return absl::ErrnoToStatus(errno, in_path + ": cannot open");
  }
  CODI_ASSIGN_OR_RETURN(std::unique_ptr<DocumentImportSink> sink,
                        DocumentImportSink::Create(out_path));
  CODI_RETURN_IF_ERROR(import(in, in_path, *sink));
  return sink->Commit();
}

}  // namespace codi
