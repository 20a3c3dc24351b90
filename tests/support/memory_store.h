// An in-memory KvStore for unit tests of the code above the storage seam (the
// scheduler, the lease table). It follows the KvStore contract except
// durability: everything is lost when the store is destroyed.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/storage/kv_store.h"

namespace codi {

// A store holding `tables` (duplicates are ignored). Thread-safe.
std::unique_ptr<KvStore> NewMemoryStore(const std::vector<std::string>& tables);

// A memory store whose writes fail, as RocksDB's do when the disk is full,
// while `fail_writes` is set; reads keep working. Counts the writes it is
// asked for (`writes`) and those it refused (`refused`).
class FailingStore final : public KvStore {
 public:
  explicit FailingStore(const std::vector<std::string>& tables) : inner_(NewMemoryStore(tables)) {}

  absl::Status Write(const WriteBatch& batch, const WriteOptions& opts) override;
  absl::StatusOr<std::optional<std::string>> Get(std::string_view table,
                                                 std::string_view key) override {
    return inner_->Get(table, key);
  }
  absl::Status Scan(std::string_view table, std::string_view prefix, std::string_view start,
                    const ScanVisitor& visit, size_t limit) override {
    return inner_->Scan(table, prefix, start, visit, limit);
  }
  absl::Status Flush() override { return inner_->Flush(); }
  uint64_t ApproximateSizeBytes() override { return inner_->ApproximateSizeBytes(); }

  std::atomic<bool> fail_writes{false};
  std::atomic<int> writes{0};
  std::atomic<int> refused{0};

 private:
  std::unique_ptr<KvStore> inner_;
};

}  // namespace codi
