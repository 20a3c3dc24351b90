// The storage seam: one interface over bytes, with named tables (one RocksDB
// column family each). RocksDbStore (rocksdb_store.h) is the durable
// implementation, MemoryStore (memory_store.h) serves unit tests; typed access
// goes through ProtoTable (proto_table.h), keys through KeyEncoder
// (key_codec.h).
//
// One write pattern: build a WriteBatch holding everything that must change
// together, then Write it once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace codi {

// Keys and values are std::string_view; Debian's Abseil has its own
// string_view type, which StrCat and friends take.
inline absl::string_view AsAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// An ordered list of puts and deletes over any tables of one store, applied
// atomically by KvStore::Write. When two ops touch the same key, the later one
// wins. Not thread-safe; build it on one thread.
class WriteBatch {
 public:
  struct Op {
    enum class Kind { kPut, kDelete };
    Kind kind;
    std::string table;
    std::string key;
    std::string value;  // empty for kDelete
  };

  void Put(std::string_view table, std::string key, std::string value) {
    ops_.push_back(Op{Op::Kind::kPut, std::string(table), std::move(key), std::move(value)});
  }
  void Delete(std::string_view table, std::string key) {
    ops_.push_back(Op{Op::Kind::kDelete, std::string(table), std::move(key), {}});
  }
  void Clear() { ops_.clear(); }
  // Moves `other`'s ops after this batch's (group commit merges batches).
  void Append(WriteBatch&& other) {
    if (ops_.empty()) {
      ops_ = std::move(other.ops_);
    } else {
      ops_.insert(ops_.end(), std::make_move_iterator(other.ops_.begin()),
                  std::make_move_iterator(other.ops_.end()));
    }
    other.ops_.clear();
  }

  size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
};

struct WriteOptions {
  // true: fsync the WAL before Write returns, so the batch survives power
  // loss, not only a crash of the process.
  bool sync = false;
};

// Contract of every implementation:
//   - Thread-safety: every method may be called from any thread concurrently.
//   - Write applies all ops of a batch or none. Ops naming a table the store
//     was not opened with make the whole batch fail with InvalidArgument
//     before anything is applied.
//   - Durability (RocksDB): when Write returns OK the batch is in the
//     write-ahead log, so it survives the process being killed (SIGKILL);
//     with WriteOptions::sync it is also fsynced and survives power loss.
//     MemoryStore keeps nothing across its own destruction.
//   - Ordering: a Write that returned is seen by every later Get and Scan on
//     any thread; writes to one key are seen in the order Write returned.
//   - Unknown table names are InvalidArgument naming the table (a caller bug,
//     reported, never a crash).
class KvStore {
 public:
  using ScanVisitor = std::function<bool(std::string_view key, std::string_view value)>;

  virtual ~KvStore() = default;

  [[nodiscard]] virtual absl::Status Write(const WriteBatch& batch,
                                           const WriteOptions& opts = {}) = 0;

  // std::nullopt when the key is absent.
  [[nodiscard]] virtual absl::StatusOr<std::optional<std::string>> Get(std::string_view table,
                                                                       std::string_view key) = 0;

  // Visits, in byte order, the keys that start with `prefix` and are >= `start`
  // (an empty start, or one below the prefix, starts at the prefix) until
  // `visit` returns false or `limit` keys were visited (0: no limit). Sees a
  // snapshot taken when the scan starts: writes made meanwhile, including from
  // `visit` itself, are not visited. No lock is held while `visit` runs, so it
  // may call back into the store. The views are valid only during the call.
  [[nodiscard]] virtual absl::Status Scan(std::string_view table, std::string_view prefix,
                                          std::string_view start, const ScanVisitor& visit,
                                          size_t limit = 0) = 0;

  // Persists in-memory state (RocksDB: memtables to SST files), so a restart
  // replays no log. Not needed for durability.
  [[nodiscard]] virtual absl::Status Flush() = 0;

  // Approximate bytes held, for metrics: RocksDB, SST files plus memtables;
  // MemoryStore, the bytes of keys and values.
  virtual uint64_t ApproximateSizeBytes() = 0;
};

// InvalidArgument naming `table`, the error every store returns for a table it
// was not opened with.
absl::Status UnknownTableError(std::string_view table);

}  // namespace codi
