#include "tests/support/memory_store.h"

#include <map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "common/base/mutex.h"

namespace codi {
namespace {

// One sorted map per table behind one mutex. Write validates the whole batch
// before applying any op, which makes it atomic; Scan copies the visited
// range under the lock, which gives it a snapshot and lets `visit` call back
// into the store.
class MemoryStore final : public KvStore {
 public:
  explicit MemoryStore(const std::vector<std::string>& tables) {
    for (const std::string& table : tables) tables_[table];
  }

  absl::Status Write(const WriteBatch& batch, const WriteOptions& opts) override {
    MutexLock lock(&mu_);
    std::vector<Table*> targets;
    targets.reserve(batch.size());
    for (const WriteBatch::Op& op : batch.ops()) {
      auto it = tables_.find(op.table);
      if (it == tables_.end()) return UnknownTableError(op.table);
      targets.push_back(&it->second);
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      const WriteBatch::Op& op = batch.ops()[i];
      Table& table = *targets[i];
      auto it = table.find(op.key);
      if (it != table.end()) {
        bytes_ -= it->first.size() + it->second.size();
        if (op.kind == WriteBatch::Op::Kind::kDelete) {
          table.erase(it);
        } else {
          it->second = op.value;
          bytes_ += it->first.size() + it->second.size();
        }
      } else if (op.kind == WriteBatch::Op::Kind::kPut) {
        table.emplace(op.key, op.value);
        bytes_ += op.key.size() + op.value.size();
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<std::string>> Get(std::string_view table,
                                                 std::string_view key) override {
    MutexLock lock(&mu_);
    auto t = tables_.find(AsAbsl(table));
    if (t == tables_.end()) return UnknownTableError(table);
    auto it = t->second.find(key);
    if (it == t->second.end()) return std::nullopt;
    return it->second;
  }

  absl::Status Scan(std::string_view table, std::string_view prefix, std::string_view start,
                    const ScanVisitor& visit, size_t limit) override {
    std::vector<std::pair<std::string, std::string>> snapshot;
    {
      MutexLock lock(&mu_);
      auto t = tables_.find(AsAbsl(table));
      if (t == tables_.end()) return UnknownTableError(table);
      const std::string_view from = start > prefix ? start : prefix;
      for (auto it = t->second.lower_bound(from);
           it != t->second.end() && std::string_view(it->first).starts_with(prefix) &&
           (limit == 0 || snapshot.size() < limit);
           ++it) {
        snapshot.emplace_back(it->first, it->second);
      }
    }
    for (const auto& [key, value] : snapshot) {
      if (!visit(key, value)) break;
    }
    return absl::OkStatus();
  }

  absl::Status Flush() override { return absl::OkStatus(); }

  uint64_t ApproximateSizeBytes() override {
    MutexLock lock(&mu_);
    return bytes_;
  }

 private:
  using Table = std::map<std::string, std::string, std::less<>>;

  Mutex mu_;
  // The set of tables is fixed at construction; their contents change.
  absl::flat_hash_map<std::string, Table> tables_ ABSL_GUARDED_BY(mu_);
  uint64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

std::unique_ptr<KvStore> NewMemoryStore(const std::vector<std::string>& tables) {
  return std::make_unique<MemoryStore>(tables);
}

absl::Status FailingStore::Write(const WriteBatch& batch, const WriteOptions& opts) {
  writes.fetch_add(1);
  if (fail_writes.load()) {
    refused.fetch_add(1);
    return absl::UnavailableError("rocksdb: write: IO error: No space left on device (injected)");
  }
  return inner_->Write(batch, opts);
}

}  // namespace codi
