// The durable KvStore: one RocksDB database, one column family per table.
//
// Contract (beyond KvStore's):
//   - Durability: Write returns OK once the batch is in the write-ahead log
//     (written to the OS, not buffered in the process), so it survives a
//     SIGKILL of the process. With WriteOptions::sync, or
//     RocksDbOptions::sync_every_write, the WAL is also fsynced before Write
//     returns and the batch survives power loss. A batch spanning tables is
//     recovered all or nothing.
//   - Thread-safety: every method may be called from any thread; RocksDB
//     orders concurrent writes, and the table map is fixed at open.
//   - Memory is bounded: all tables share one block cache (index and filter
//     blocks included) and one memtable budget.
//   - One process at a time: RocksDB's LOCK file makes a second open of the
//     same directory fail, in this process or another, until the first store
//     is destroyed.
//   - The destructor flushes memtables to SST files and closes the database.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/kv_store.h"

namespace codi {

struct RocksDbOptions {
  // Create the directory and database when absent; otherwise a missing
  // database is an error.
  bool create_if_missing = true;
  // fsync the WAL on every Write, whatever WriteOptions::sync says.
  bool sync_every_write = false;
  // LRU cache for data, index and filter blocks, shared by all tables.
  size_t block_cache_bytes = 64 << 20;
  // Memtable memory of all tables together; the largest is flushed when full.
  size_t memtable_bytes = 32 << 20;
  // WAL bytes kept before the tables pinning old WAL files are flushed.
  size_t max_wal_bytes = 128 << 20;
  // Upper bound on open SST files (file descriptors).
  int max_open_files = 256;
  // Threads for flushes and compactions.
  int background_jobs = 2;
};

// Opens (or creates) the database in `dir` with one column family per name in
// `tables`. Column families already in the database but not named are opened
// too, as RocksDB requires, but are not reachable through the store. Errors
// name `dir` and carry RocksDB's message: a LOCK held by another store or
// process, a permission problem, a corrupt database, an empty table name.
[[nodiscard]] absl::StatusOr<std::unique_ptr<KvStore>> OpenRocksDbStore(
    const std::string& dir, const std::vector<std::string>& tables,
    const RocksDbOptions& options = {});

}  // namespace codi
