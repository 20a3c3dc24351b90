#include "common/storage/proto_table.h"

#include <string>
#include <vector>

#include "codi/v1/conversation.pb.h"
#include "common/storage/key_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/common/storage/kv_store_test_base.h"

namespace codi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ProtoTableTest : public KvStoreTest {};

v1::Turn MakeTurn(std::string text) {
  v1::Turn turn;
  turn.set_role("assistant");
  turn.set_text(std::move(text));
  turn.set_weight(0.5);
  turn.add_phenomena("coreference");
  turn.set_regenerations(2);
  return turn;
}

std::string TurnKey(std::string_view job, uint64_t index) {
  return KeyEncoder().String(job).U64(index).Finish();
}

// Bytes that are no Turn: field 1 claims 5 bytes and only 2 follow.
const std::string kNotATurn(
    "\x0A\x05"
    "ab",
    4);

TEST_P(ProtoTableTest, RoundTripsAMessage) {
  ProtoTable<v1::Turn> turns(store_.get(), "a");
  WriteBatch batch;
  turns.Put(batch, TurnKey("job", 1), MakeTurn("hello"));
  ASSERT_TRUE(store_->Write(batch).ok());

  absl::StatusOr<std::optional<v1::Turn>> got = turns.Get(TurnKey("job", 1));
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->SerializeAsString(), MakeTurn("hello").SerializeAsString());
  EXPECT_EQ((*got)->text(), "hello");
  EXPECT_EQ((*got)->regenerations(), 2u);
}

TEST_P(ProtoTableTest, GetOfAMissingKeyIsEmptyAndDeleteRemoves) {
  ProtoTable<v1::Turn> turns(store_.get(), "a");
  absl::StatusOr<std::optional<v1::Turn>> got = turns.Get(TurnKey("job", 1));
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());

  WriteBatch batch;
  turns.Put(batch, TurnKey("job", 1), MakeTurn("x"));
  ASSERT_TRUE(store_->Write(batch).ok());
  batch.Clear();
  turns.Delete(batch, TurnKey("job", 1));
  ASSERT_TRUE(store_->Write(batch).ok());
  got = turns.Get(TurnKey("job", 1));
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_P(ProtoTableTest, WritesToTwoTablesShareOneBatch) {
  ProtoTable<v1::Turn> turns(store_.get(), "a");
  ProtoTable<v1::Usage> usage(store_.get(), "b");
  v1::Usage u;
  u.set_calls(3);
  WriteBatch batch;
  turns.Put(batch, TurnKey("job", 1), MakeTurn("x"));
  usage.Put(batch, "job", u);
  ASSERT_TRUE(store_->Write(batch).ok());
  absl::StatusOr<std::optional<v1::Usage>> got = usage.Get("job");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->calls(), 3u);
  EXPECT_TRUE(turns.Get(TurnKey("job", 1)).value().has_value());
}

TEST_P(ProtoTableTest, ScanVisitsParsedMessagesInKeyOrder) {
  ProtoTable<v1::Turn> turns(store_.get(), "a");
  WriteBatch batch;
  for (uint64_t i : {300, 2, 1000, 1})
    turns.Put(batch, TurnKey("job", i), MakeTurn(std::to_string(i)));
  turns.Put(batch, TurnKey("job2", 0), MakeTurn("other job"));
  ASSERT_TRUE(store_->Write(batch).ok());

  std::vector<std::string> texts;
  auto collect = [&](std::string_view key, const v1::Turn& turn) {
    texts.push_back(turn.text());
    return true;
  };
  const std::string job_prefix = KeyEncoder().String("job").data();
  ASSERT_TRUE(turns.Scan(job_prefix, "", collect).ok());
  EXPECT_THAT(texts, ElementsAre("1", "2", "300", "1000"));

  texts.clear();
  ASSERT_TRUE(turns.Scan(job_prefix, TurnKey("job", 2), collect, 2).ok());
  EXPECT_THAT(texts, ElementsAre("2", "300"));
}

TEST_P(ProtoTableTest, ACorruptValueIsDataLossNamingTableAndKey) {
  ProtoTable<v1::Turn> turns(store_.get(), "a");
  WriteBatch batch;
  turns.Put(batch, std::string("k\x00", 2), MakeTurn("fine"));
  batch.Put("a", std::string("k\x01", 2), kNotATurn);
  turns.Put(batch, std::string("k\x02", 2), MakeTurn("never reached"));
  ASSERT_TRUE(store_->Write(batch).ok());

  absl::StatusOr<std::optional<v1::Turn>> got = turns.Get(std::string("k\x01", 2));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("'a'"));
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("0x6b01"));
  EXPECT_THAT(std::string(got.status().message()), HasSubstr("codi.v1.Turn"));

  std::vector<std::string> texts;
  absl::Status s = turns.Scan("k", "", [&](std::string_view, const v1::Turn& turn) {
    texts.push_back(turn.text());
    return true;
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(s.message()), HasSubstr("0x6b01"));
  EXPECT_THAT(texts, ElementsAre("fine"));
}

TEST_P(ProtoTableTest, AnUnknownTableIsInvalidArgument) {
  ProtoTable<v1::Turn> turns(store_.get(), "missing");
  EXPECT_EQ(turns.Get("k").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(turns.Scan("", "", [](std::string_view, const v1::Turn&) { return true; }).code(),
            absl::StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(AllStores, ProtoTableTest, ::testing::ValuesIn(AllStoreKinds()),
                         StoreKindName);

}  // namespace
}  // namespace codi
