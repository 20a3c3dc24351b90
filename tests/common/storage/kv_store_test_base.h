// The shared fixture for tests that run against every KvStore implementation
// (as Ray's StoreClientTestBase): a test written once as TEST_P on
// KvStoreTest (or a subclass) runs on MemoryStore and on RocksDbStore.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/kv_store.h"
#include "common/storage/rocksdb_store.h"
#include "gtest/gtest.h"
#include "tests/support/memory_store.h"
#include "tests/support/temp_dir.h"

namespace codi {

// How one implementation is opened; `dir` is a fresh temp dir it may use.
struct StoreKind {
  std::string name;
  std::function<absl::StatusOr<std::unique_ptr<KvStore>>(const std::string& dir,
                                                         const std::vector<std::string>& tables)>
      open;
};

inline std::vector<StoreKind> AllStoreKinds() {
  return {
      {"Memory",
       [](const std::string&, const std::vector<std::string>& tables)
           -> absl::StatusOr<std::unique_ptr<KvStore>> { return NewMemoryStore(tables); }},
      {"RocksDb",
       [](const std::string& dir, const std::vector<std::string>& tables) {
         RocksDbOptions options;
         options.block_cache_bytes = 8 << 20;
         options.memtable_bytes = 8 << 20;
         return OpenRocksDbStore(dir + "/db", tables, options);
       }},
  };
}

inline std::string StoreKindName(const ::testing::TestParamInfo<StoreKind>& info) {
  return info.param.name;
}

// Opens the store under test with the tables "a" and "b".
class KvStoreTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<KvStore>> store = GetParam().open(dir_.path(), {"a", "b"});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  // Writes one put, failing the test on error.
  void Put(std::string_view table, std::string key, std::string value) {
    WriteBatch batch;
    batch.Put(table, std::move(key), std::move(value));
    ASSERT_TRUE(store_->Write(batch).ok());
  }

  // The keys a scan visits, in order.
  std::vector<std::string> ScanKeys(std::string_view table, std::string_view prefix,
                                    std::string_view start = "", size_t limit = 0) {
    std::vector<std::string> keys;
    absl::Status s = store_->Scan(
        table, prefix, start,
        [&](std::string_view key, std::string_view) {
          keys.emplace_back(key);
          return true;
        },
        limit);
    EXPECT_TRUE(s.ok()) << s;
    return keys;
  }

  testing::TempDir dir_;  // declared first: removed after the store is closed
  std::unique_ptr<KvStore> store_;
};

}  // namespace codi
