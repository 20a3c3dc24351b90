#include "common/eval/eval_results.h"

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace codi {
namespace {

using codi::testing::ReadFile;
using codi::testing::TempDir;
using ::testing::HasSubstr;

EvalItem Item(const std::string& dialog, int turn, double f1) {
  EvalItem item;
  item.dialog_id = dialog;
  item.turn = turn;
  item.question = "Q" + std::to_string(turn);
  item.references = {"ref"};
  item.prediction = "pred";
  item.f1 = f1;
  item.recall = f1;
  return item;
}

TEST(EvalItemLog, ItemsSurviveAReopenAndATornLastLineIsCutOff) {
  TempDir dir;
  const std::string path = dir.File("eval.items.jsonl");
  {
    auto log = EvalItemLog::Open(path, "fp");
    ASSERT_TRUE(log.ok()) << log.status();
    EXPECT_TRUE((*log)->recovered().empty());
    ASSERT_TRUE((*log)->Append(QaFormat::kCoqa, Item("d1", 1, 0.5)).ok());
    ASSERT_TRUE((*log)->Append(QaFormat::kCoqa, Item("d1", 2, 1.0)).ok());
  }
  {
    std::ofstream torn(path, std::ios::app);
    torn << R"({"key": "d1\t3", "item": {"dialog_id": "d1", "tu)";
  }
  {
    auto log = EvalItemLog::Open(path, "fp");
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_EQ((*log)->recovered().size(), 2u);
    EXPECT_EQ((*log)->recovered().at({"d1", 2}).f1, 1.0);
    EXPECT_EQ((*log)->recovered().at({"d1", 1}).question, "Q1");
    ASSERT_TRUE((*log)->Append(QaFormat::kCoqa, Item("d1", 3, 0.0)).ok());
  }
  auto log = EvalItemLog::Open(path, "fp");
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->recovered().size(), 3u);
  EXPECT_THAT(ReadFile(path), ::testing::Not(HasSubstr("\"tu\n")));
}

TEST(EvalItemLog, AnotherEvalsLogIsRefusedAndADamagedLineIsAnError) {
  TempDir dir;
  const std::string path = dir.File("eval.items.jsonl");
  ASSERT_TRUE(EvalItemLog::Open(path, "coqa data 1").ok());
  auto other = EvalItemLog::Open(path, "quac data 2");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(other.status().message(), HasSubstr("another --out"));
  {
    std::ofstream damaged(path, std::ios::app);
    damaged << "not json\n";
  }
  auto bad = EvalItemLog::Open(path, "coqa data 1");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(bad.status().message(), HasSubstr("eval.items.jsonl:2"));
}

TEST(Summarize, AveragesPerTurnAndOverallOnTheHundredScale) {
  const EvalSummary s =
      Summarize(QaFormat::kCoqa, {Item("a", 1, 1.0), Item("b", 1, 0.5), Item("a", 2, 0.0)});
  EXPECT_EQ(s.overall.items, 3u);
  EXPECT_DOUBLE_EQ(s.overall.f1, 50.0);
  ASSERT_EQ(s.per_turn.size(), 2u);
  EXPECT_DOUBLE_EQ(s.per_turn.at(1).f1, 75.0);
  EXPECT_DOUBLE_EQ(s.per_turn.at(2).recall, 0.0);

  EvalItem low = Item("c", 1, 1.0);
  low.counted = false;  // QuAC: below the human-agreement filter
  const EvalSummary q = Summarize(QaFormat::kQuac, {Item("a", 1, 0.5), low});
  EXPECT_EQ(q.overall.counted, 1u);
  EXPECT_DOUBLE_EQ(q.overall.f1, 50.0);
  EXPECT_DOUBLE_EQ(q.overall.unfiltered_f1, 75.0);
}

TEST(EvalJson, HoldsRunInfoScoresAndEveryItem) {
  EvalRunInfo info;
  info.data = "x.json";
  info.history = "pred";
  info.items_total = 2;
  const std::vector<EvalItem> items = {Item("a", 1, 1.0), Item("a", 2, 0.0)};
  const nlohmann::json j = EvalJson(info, Summarize(QaFormat::kCoqa, items), items);
  EXPECT_EQ(j["format"], "coqa");
  EXPECT_EQ(j["history"], "pred");
  EXPECT_EQ(j["overall"]["f1"], 50.0);
  EXPECT_EQ(j["per_turn"].size(), 2u);
  EXPECT_EQ(j["per_turn"][1]["turn"], 2);
  ASSERT_EQ(j["items"].size(), 2u);
  EXPECT_EQ(j["items"][0]["references"][0], "ref");
  const std::string table = FormatEvalTable(info, Summarize(QaFormat::kCoqa, items));
  EXPECT_THAT(table, HasSubstr("overall"));
  EXPECT_THAT(table, HasSubstr("recall"));
}

}  // namespace
}  // namespace codi
