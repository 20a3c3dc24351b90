// Documents that clients stream to the coordinator (`codi submit --docs`):
// each upload is written to a new file in the coordinator's upload directory,
// under a random name, and becomes visible (renamed from `.partial`) only when
// complete, so a job never refers to half a file. An upload may hold at most
// `max_bytes`: beyond it Append fails with RESOURCE_EXHAUSTED and the partial
// file is removed with the Upload.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace codi {

class DocumentUploads {
 public:
  // `max_bytes` 0: no limit.
  explicit DocumentUploads(std::string dir, uint64_t max_bytes = 0)
      : dir_(std::move(dir)), max_bytes_(max_bytes) {}

  // One upload in progress. Destroyed before Commit(), it removes its file.
  class Upload {
   public:
    Upload(Upload&& other) noexcept
        : path_(std::move(other.path_)),
          out_(std::move(other.out_)),
          bytes_(other.bytes_),
          max_bytes_(other.max_bytes_),
          committed_(other.committed_) {
      other.committed_ = true;  // the moved-from object removes nothing
    }
    ~Upload();
    [[nodiscard]] absl::Status Append(absl::string_view bytes);
    // Closes the file and renames it into place; returns its path.
    [[nodiscard]] absl::StatusOr<std::string> Commit();
    uint64_t bytes() const { return bytes_; }

   private:
    friend class DocumentUploads;
    Upload(std::string path, std::ofstream out, uint64_t max_bytes)
        : path_(std::move(path)), out_(std::move(out)), max_bytes_(max_bytes) {}
    std::string path_;  // final path; the data goes to path_ + ".partial" first
    std::ofstream out_;
    uint64_t bytes_ = 0;
    uint64_t max_bytes_ = 0;
    bool committed_ = false;
  };

  // Starts an upload in a new file (the directory is created if missing).
  [[nodiscard]] absl::StatusOr<Upload> Begin();

 private:
  std::string dir_;
  uint64_t max_bytes_;
};

}  // namespace codi
