#include "common/storage/rocksdb_store.h"

#include <algorithm>
#include <iostream>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace codi {
namespace {

// Translates a RocksDB error once, at this boundary. Disk trouble (IOError,
// Busy) is Unavailable: expected, the caller may retry or report.
absl::Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(AsAbsl(context), ": ", s.ToString());
  switch (s.code()) {
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(std::move(message));
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(std::move(message));
    case rocksdb::Status::kNotSupported:
      return absl::UnimplementedError(std::move(message));
    case rocksdb::Status::kInvalidArgument:
      return absl::InvalidArgumentError(std::move(message));
    case rocksdb::Status::kAborted:
      return absl::AbortedError(std::move(message));
    case rocksdb::Status::kIOError:
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTimedOut:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kIncomplete:
    case rocksdb::Status::kShutdownInProgress:
      return absl::UnavailableError(std::move(message));
    default:
      return absl::InternalError(std::move(message));
  }
}

// The smallest string greater than every string starting with `prefix`, or
// empty when there is none (prefix empty or all 0xFF).
std::string PrefixSuccessor(std::string_view prefix) {
  std::string out(prefix);
  while (!out.empty()) {
    auto last = static_cast<unsigned char>(out.back());
    if (last != 0xFF) {
      out.back() = static_cast<char>(last + 1);
      return out;
    }
    out.pop_back();
  }
  return out;
}

rocksdb::ColumnFamilyOptions TableOptions(const RocksDbOptions& options,
                                          const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  // Each memtable is a quarter of the shared budget, at most two per table;
  // db_write_buffer_size caps the sum across tables.
  cf.write_buffer_size = std::max<size_t>(options.memtable_bytes / 4, 1 << 20);
  cf.max_write_buffer_number = 2;
  cf.level_compaction_dynamic_level_bytes = true;

  const std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  auto has = [&](rocksdb::CompressionType t) {
    return std::find(supported.begin(), supported.end(), t) != supported.end();
  };
  if (has(rocksdb::kLZ4Compression)) {
    cf.compression = rocksdb::kLZ4Compression;
  } else if (has(rocksdb::kSnappyCompression)) {
    cf.compression = rocksdb::kSnappyCompression;
  } else {
    cf.compression = rocksdb::kNoCompression;
  }
  // Most bytes end in the last level: compress it harder.
  if (has(rocksdb::kZSTD)) cf.bottommost_compression = rocksdb::kZSTD;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Index and filter blocks live in the cache, so the cache bounds them too.
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

class RocksDbStore final : public KvStore {
 public:
  RocksDbStore(std::string dir, bool sync_every_write, std::unique_ptr<rocksdb::DB> db,
               std::vector<rocksdb::ColumnFamilyHandle*> handles,
               absl::flat_hash_map<std::string, rocksdb::ColumnFamilyHandle*> tables)
      : dir_(std::move(dir)),
        sync_every_write_(sync_every_write),
        db_(std::move(db)),
        handles_(std::move(handles)),
        tables_(std::move(tables)) {}

  ~RocksDbStore() override {
    // Errors here have no caller to go to: report them on stderr. The WAL
    // already holds every acknowledged write, so a failed flush loses nothing.
    rocksdb::FlushOptions flush;
    flush.wait = true;
    if (rocksdb::Status s = db_->Flush(flush, handles_); !s.ok()) {
      std::cerr << "rocksdb " << dir_ << ": flush on close failed: " << s.ToString() << "\n";
    }
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
    if (rocksdb::Status s = db_->Close(); !s.ok()) {
      std::cerr << "rocksdb " << dir_ << ": close failed: " << s.ToString() << "\n";
    }
  }

  absl::Status Write(const WriteBatch& batch, const WriteOptions& opts) override {
    rocksdb::WriteBatch rocks_batch;
    for (const WriteBatch::Op& op : batch.ops()) {
      auto handle = Handle(op.table);
      if (!handle.ok()) return handle.status();
      rocksdb::Status s = op.kind == WriteBatch::Op::Kind::kPut
                              ? rocks_batch.Put(*handle, op.key, op.value)
                              : rocks_batch.Delete(*handle, op.key);
      if (!s.ok()) return FromRocks(s, absl::StrCat("rocksdb ", dir_, ": batch"));
    }
    rocksdb::WriteOptions rocks_opts;
    rocks_opts.sync = opts.sync || sync_every_write_;
    return FromRocks(db_->Write(rocks_opts, &rocks_batch),
                     absl::StrCat("rocksdb ", dir_, ": write"));
  }

  absl::StatusOr<std::optional<std::string>> Get(std::string_view table,
                                                 std::string_view key) override {
    auto handle = Handle(table);
    if (!handle.ok()) return handle.status();
    rocksdb::PinnableSlice value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), *handle, key, &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) return FromRocks(s, absl::StrCat("rocksdb ", dir_, ": get from ", AsAbsl(table)));
    return value.ToString();
  }

  absl::Status Scan(std::string_view table, std::string_view prefix, std::string_view start,
                    const ScanVisitor& visit, size_t limit) override {
    auto handle = Handle(table);
    if (!handle.ok()) return handle.status();
    // The iterator reads the snapshot current at its creation. The upper
    // bound stops it at the end of the prefix without touching later keys.
    const std::string upper = PrefixSuccessor(prefix);
    const rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions read;
    if (!upper.empty()) read.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, *handle));
    size_t visited = 0;
    for (it->Seek(start > prefix ? start : prefix); it->Valid(); it->Next()) {
      const rocksdb::Slice key = it->key();
      const std::string_view key_view(key.data(), key.size());
      if (!key_view.starts_with(prefix)) break;
      const rocksdb::Slice value = it->value();
      ++visited;
      if (!visit(key_view, std::string_view(value.data(), value.size()))) break;
      if (limit != 0 && visited >= limit) break;
    }
    return FromRocks(it->status(), absl::StrCat("rocksdb ", dir_, ": scan of ", AsAbsl(table)));
  }

  absl::Status Flush() override {
    return FromRocks(db_->Flush(rocksdb::FlushOptions(), handles_),
                     absl::StrCat("rocksdb ", dir_, ": flush"));
  }

  uint64_t ApproximateSizeBytes() override {
    uint64_t sst = 0, memtables = 0;
    if (!db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kTotalSstFilesSize, &sst)) sst = 0;
    if (!db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kSizeAllMemTables, &memtables)) {
      memtables = 0;
    }
    return sst + memtables;
  }

 private:
  absl::StatusOr<rocksdb::ColumnFamilyHandle*> Handle(std::string_view table) const {
    auto it = tables_.find(AsAbsl(table));
    if (it == tables_.end()) return UnknownTableError(table);
    return it->second;
  }

  const std::string dir_;
  const bool sync_every_write_;
  const std::unique_ptr<rocksdb::DB> db_;
  // Every column family opened, owned here; destroyed before db_ closes.
  const std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  // The tables named at open, pointing into handles_. Fixed after construction.
  const absl::flat_hash_map<std::string, rocksdb::ColumnFamilyHandle*> tables_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<KvStore>> OpenRocksDbStore(const std::string& dir,
                                                          const std::vector<std::string>& tables,
                                                          const RocksDbOptions& options) {
  const std::string context = absl::StrCat("cannot open RocksDB at '", dir, "'");
  for (const std::string& table : tables) {
    if (table.empty()) return absl::InvalidArgumentError(context + ": empty table name");
  }

  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.max_open_files = options.max_open_files;
  db_options.max_background_jobs = options.background_jobs;
  db_options.db_write_buffer_size = options.memtable_bytes;
  db_options.max_total_wal_size = options.max_wal_bytes;
  // Bound the informational LOG files RocksDB keeps in the directory.
  db_options.keep_log_file_num = 4;
  db_options.max_log_file_size = 8 << 20;
  const rocksdb::ColumnFamilyOptions cf_options = TableOptions(options, cache);

  // RocksDB refuses to open a database without naming all its column
  // families. Listing fails when there is no database yet: then there are
  // none besides the ones we create, and Open reports any real problem.
  std::vector<std::string> existing;
  if (!rocksdb::DB::ListColumnFamilies(db_options, dir, &existing).ok()) existing.clear();

  std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName};
  absl::flat_hash_set<std::string> seen = {rocksdb::kDefaultColumnFamilyName};
  for (const std::string& name : tables) {
    if (seen.insert(name).second) names.push_back(name);
  }
  for (const std::string& name : existing) {
    if (seen.insert(name).second) names.push_back(name);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.reserve(names.size());
  for (const std::string& name : names) descriptors.emplace_back(name, cf_options);

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::Options(db_options, cf_options), dir, descriptors,
                                        &handles, &raw_db);
  if (!s.ok()) return FromRocks(s, context);
  std::unique_ptr<rocksdb::DB> db(raw_db);

  absl::flat_hash_map<std::string, rocksdb::ColumnFamilyHandle*> by_name;
  const absl::flat_hash_set<std::string> wanted(tables.begin(), tables.end());
  for (size_t i = 0; i < names.size(); ++i) {
    if (wanted.contains(names[i])) by_name[names[i]] = handles[i];
  }
  return std::make_unique<RocksDbStore>(dir, options.sync_every_write, std::move(db),
                                        std::move(handles), std::move(by_name));
}

}  // namespace codi
