#include "coordinator/document_uploads.h"

#include <filesystem>
#include <random>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/base/logging.h"

namespace codi {

absl::StatusOr<DocumentUploads::Upload> DocumentUploads::Begin() {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  std::mt19937_64 rng(std::random_device{}());
  std::string path = absl::StrFormat("%s/%016x.jsonl", dir_, rng());
  std::ofstream out(path + ".partial", std::ios::binary | std::ios::trunc);
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path, ".partial"));
  return Upload(std::move(path), std::move(out), max_bytes_);
}

DocumentUploads::Upload::~Upload() {
  if (committed_) return;
  out_.close();
  std::error_code ec;
  std::filesystem::remove(path_ + ".partial", ec);
}

absl::Status DocumentUploads::Upload::Append(absl::string_view bytes) {
  if (max_bytes_ > 0 && bytes_ + bytes.size() > max_bytes_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the documents are larger than the coordinator accepts (--max-upload-bytes ", max_bytes_,
        "); put them where the coordinator can read them and set documents.path instead"));
  }
  out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out_) return absl::InternalError(absl::StrCat("cannot write ", path_, ".partial"));
  bytes_ += bytes.size();
  return absl::OkStatus();
}

absl::StatusOr<std::string> DocumentUploads::Upload::Commit() {
  out_.close();
  if (!out_) return absl::InternalError(absl::StrCat("cannot store the documents in ", path_));
  // Complete before any job refers to it.
  std::error_code ec;
  std::filesystem::rename(path_ + ".partial", path_, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot store ", path_, ": ", ec.message()));
  committed_ = true;
  Log(LogLevel::kInfo, "documents_uploaded", {{"path", path_}, {"bytes", std::to_string(bytes_)}});
  return path_;
}

}  // namespace codi
