// The KvStore contract, run against every implementation.
#include "common/storage/kv_store.h"

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/common/storage/kv_store_test_base.h"

namespace codi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::optional<std::string> GetOrDie(KvStore& store, std::string_view table, std::string_view key) {
  absl::StatusOr<std::optional<std::string>> value = store.Get(table, key);
  EXPECT_TRUE(value.ok()) << value.status();
  return value.ok() ? *value : std::nullopt;
}

TEST_P(KvStoreTest, GetReturnsWhatPutWrote) {
  Put("a", "k", "v");
  EXPECT_EQ(GetOrDie(*store_, "a", "k"), "v");
  Put("a", "k", "v2");
  EXPECT_EQ(GetOrDie(*store_, "a", "k"), "v2");
}

TEST_P(KvStoreTest, GetOfAMissingKeyIsEmpty) {
  EXPECT_EQ(GetOrDie(*store_, "a", "missing"), std::nullopt);
}

TEST_P(KvStoreTest, KeepsBinaryKeysAndValuesExactly) {
  const std::string key("k\x00\xFF", 3), value("\x00\x01\x00", 3), empty;
  Put("a", key, value);
  Put("a", "empty", empty);
  EXPECT_EQ(GetOrDie(*store_, "a", key), value);
  EXPECT_EQ(GetOrDie(*store_, "a", std::string("k")), std::nullopt);
  EXPECT_EQ(GetOrDie(*store_, "a", "empty"), empty);
}

TEST_P(KvStoreTest, DeleteRemovesTheKey) {
  Put("a", "k", "v");
  WriteBatch batch;
  batch.Delete("a", "k");
  batch.Delete("a", "never-written");
  ASSERT_TRUE(store_->Write(batch).ok());
  EXPECT_EQ(GetOrDie(*store_, "a", "k"), std::nullopt);
}

TEST_P(KvStoreTest, TablesAreSeparateNamespaces) {
  Put("a", "k", "in a");
  Put("b", "k", "in b");
  EXPECT_EQ(GetOrDie(*store_, "a", "k"), "in a");
  EXPECT_EQ(GetOrDie(*store_, "b", "k"), "in b");
  EXPECT_THAT(ScanKeys("b", ""), ElementsAre("k"));
}

TEST_P(KvStoreTest, TheLaterOpOfABatchWinsForTheSameKey) {
  WriteBatch batch;
  batch.Put("a", "x", "1");
  batch.Delete("a", "x");
  batch.Put("a", "y", "1");
  batch.Put("a", "y", "2");
  ASSERT_TRUE(store_->Write(batch).ok());
  EXPECT_EQ(GetOrDie(*store_, "a", "x"), std::nullopt);
  EXPECT_EQ(GetOrDie(*store_, "a", "y"), "2");
}

TEST_P(KvStoreTest, ABatchAcrossTablesIsAppliedWhole) {
  Put("b", "gone", "v");
  WriteBatch batch;
  batch.Put("a", "turn", "t1");
  batch.Put("b", "lease", "progress 1");
  batch.Delete("b", "gone");
  EXPECT_EQ(batch.size(), 3u);
  ASSERT_TRUE(store_->Write(batch, WriteOptions{.sync = true}).ok());
  EXPECT_EQ(GetOrDie(*store_, "a", "turn"), "t1");
  EXPECT_EQ(GetOrDie(*store_, "b", "lease"), "progress 1");
  EXPECT_EQ(GetOrDie(*store_, "b", "gone"), std::nullopt);
}

TEST_P(KvStoreTest, ABatchNamingAnUnknownTableFailsAndAppliesNothing) {
  Put("a", "kept", "old");
  WriteBatch batch;
  batch.Put("a", "new", "v");
  batch.Put("a", "kept", "overwritten");
  batch.Put("no_such_table", "k", "v");
  absl::Status s = store_->Write(batch);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("'no_such_table'"));
  EXPECT_EQ(GetOrDie(*store_, "a", "new"), std::nullopt);
  EXPECT_EQ(GetOrDie(*store_, "a", "kept"), "old");
}

TEST_P(KvStoreTest, GetAndScanOfAnUnknownTableAreInvalidArgumentNamingIt) {
  absl::StatusOr<std::optional<std::string>> got = store_->Get("nope", "k");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("'nope'"));
  bool visited = false;
  absl::Status s = store_->Scan("nope", "", "", [&](std::string_view, std::string_view) {
    visited = true;
    return true;
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("'nope'"));
  EXPECT_FALSE(visited);
}

TEST_P(KvStoreTest, AnEmptyBatchIsANoOp) {
  WriteBatch batch;
  EXPECT_TRUE(batch.empty());
  EXPECT_TRUE(store_->Write(batch).ok());
  EXPECT_THAT(ScanKeys("a", ""), IsEmpty());
}

// Keys around the prefix "ab", in scrambled order.
std::vector<std::string> PrefixNeighbours() {
  return {"ac", "ab\xFF", "ab2", "aa\xFF", "ab", "b", "ab1", "a", std::string("ab\x00", 3)};
}

TEST_P(KvStoreTest, ScanVisitsTheKeysWithThePrefixInByteOrder) {
  for (const std::string& key : PrefixNeighbours()) Put("a", key, "v:" + key);
  Put("b", "ab-other-table", "v");
  std::vector<std::pair<std::string, std::string>> seen;
  ASSERT_TRUE(store_
                  ->Scan("a", "ab", "",
                         [&](std::string_view key, std::string_view value) {
                           seen.emplace_back(key, value);
                           return true;
                         })
                  .ok());
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"ab", "v:ab"},         {std::string("ab\x00", 3), "v:" + std::string("ab\x00", 3)},
      {"ab1", "v:ab1"},       {"ab2", "v:ab2"},
      {"ab\xFF", "v:ab\xFF"},
  };
  EXPECT_EQ(seen, expected);
}

TEST_P(KvStoreTest, ScanWithAnEmptyPrefixVisitsTheWholeTable) {
  for (const std::string& key : PrefixNeighbours()) Put("a", key, "");
  EXPECT_THAT(ScanKeys("a", ""), ElementsAre("a", "aa\xFF", "ab", std::string("ab\x00", 3), "ab1",
                                             "ab2", "ab\xFF", "ac", "b"));
}

TEST_P(KvStoreTest, ScanOfAPrefixOfAllFFBytesStopsAtTheEnd) {
  Put("a", "\xFF", "");
  Put("a", "\xFF\xFF", "");
  Put("a", "\xFF\xFF\x01", "");
  Put("a", "\xFE\xFF", "");
  EXPECT_THAT(ScanKeys("a", "\xFF\xFF"), ElementsAre("\xFF\xFF", "\xFF\xFF\x01"));
}

TEST_P(KvStoreTest, ScanStartsAtTheFirstKeyNotBelowStart) {
  for (const std::string& key : PrefixNeighbours()) Put("a", key, "");
  EXPECT_THAT(ScanKeys("a", "ab", "ab1"), ElementsAre("ab1", "ab2", "ab\xFF"));
  EXPECT_THAT(ScanKeys("a", "ab", "ab15"), ElementsAre("ab2", "ab\xFF"));
  // A start below the prefix starts at the prefix; one past it visits nothing.
  EXPECT_THAT(ScanKeys("a", "ab", "a"),
              ElementsAre("ab", std::string("ab\x00", 3), "ab1", "ab2", "ab\xFF"));
  EXPECT_THAT(ScanKeys("a", "ab", "ac"), IsEmpty());
}

TEST_P(KvStoreTest, ScanStopsAfterLimitKeys) {
  for (int i = 0; i < 10; ++i) Put("a", "k" + std::to_string(i), "");
  EXPECT_THAT(ScanKeys("a", "k", "", 3), ElementsAre("k0", "k1", "k2"));
  EXPECT_THAT(ScanKeys("a", "k", "k8", 3), ElementsAre("k8", "k9"));
  EXPECT_EQ(ScanKeys("a", "k", "", 0).size(), 10u);
}

TEST_P(KvStoreTest, ScanStopsWhenVisitReturnsFalse) {
  for (int i = 0; i < 10; ++i) Put("a", "k" + std::to_string(i), "");
  std::vector<std::string> keys;
  ASSERT_TRUE(store_
                  ->Scan("a", "k", "",
                         [&](std::string_view key, std::string_view) {
                           keys.emplace_back(key);
                           return keys.size() < 4;
                         })
                  .ok());
  EXPECT_THAT(keys, ElementsAre("k0", "k1", "k2", "k3"));
}

TEST_P(KvStoreTest, ScanSeesTheSnapshotTakenWhenItStarted) {
  Put("a", "k1", "1");
  Put("a", "k3", "3");
  // The visitor writes through the store: no lock is held while it runs, and
  // what it writes is not part of this scan.
  std::vector<std::string> seen;
  ASSERT_TRUE(store_
                  ->Scan("a", "k", "",
                         [&](std::string_view key, std::string_view value) {
                           seen.push_back(std::string(key) + "=" + std::string(value));
                           if (key == "k1") {
                             WriteBatch batch;
                             batch.Put("a", "k2", "2");
                             batch.Put("a", "k3", "changed");
                             batch.Put("a", "k4", "4");
                             EXPECT_TRUE(store_->Write(batch).ok());
                           }
                           return true;
                         })
                  .ok());
  EXPECT_THAT(seen, ElementsAre("k1=1", "k3=3"));
  EXPECT_THAT(ScanKeys("a", "k"), ElementsAre("k1", "k2", "k3", "k4"));
}

TEST_P(KvStoreTest, FlushKeepsEveryValueAndSizeCountsTheData) {
  // Random values do not compress, so the size must cover their bytes.
  std::mt19937_64 rng(1);
  std::vector<std::string> values;
  WriteBatch batch;
  for (int i = 0; i < 100; ++i) {
    std::string value(1000, '\0');
    for (char& c : value) c = static_cast<char>(rng());
    values.push_back(value);
    batch.Put("a", "k" + std::to_string(1000 + i), value);
  }
  ASSERT_TRUE(store_->Write(batch).ok());
  EXPECT_GE(store_->ApproximateSizeBytes(), 100u * 1000u);
  ASSERT_TRUE(store_->Flush().ok());
  EXPECT_GE(store_->ApproximateSizeBytes(), 100u * 1000u);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(GetOrDie(*store_, "a", "k" + std::to_string(1000 + i)), values[i]) << i;
  }
}

TEST_P(KvStoreTest, ConcurrentWritersAndReadersLoseNothing) {
  constexpr int kWriters = 4, kBatchesEach = 100;
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kBatchesEach; ++i) {
        WriteBatch batch;
        const std::string key = "w" + std::to_string(w) + "-" + std::to_string(i);
        batch.Put("a", key, "x");
        batch.Put("b", key, "y");
        if (!store_->Write(batch).ok()) failed = true;
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 200; ++i) {
      if (!store_->Get("a", "w0-0").ok()) failed = true;
      if (!store_->Scan("b", "w", "", [](std::string_view, std::string_view) { return true; })
               .ok()) {
        failed = true;
      }
    }
  });
  for (std::thread& t : threads) t.join();
  EXPECT_FALSE(failed);
  EXPECT_EQ(ScanKeys("a", "w").size(), size_t{kWriters * kBatchesEach});
  EXPECT_EQ(ScanKeys("b", "w").size(), size_t{kWriters * kBatchesEach});
}

INSTANTIATE_TEST_SUITE_P(AllStores, KvStoreTest, ::testing::ValuesIn(AllStoreKinds()),
                         StoreKindName);

}  // namespace
}  // namespace codi
