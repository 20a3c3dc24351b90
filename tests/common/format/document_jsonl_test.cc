#include "common/format/document_jsonl.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace codi {
namespace {

using codi::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string ErrorOf(std::string_view line, uint64_t max_text_bytes = 200000) {
  absl::StatusOr<v1::Document> doc = ParseDocumentJson(line, max_text_bytes);
  if (doc.ok()) return "OK";
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(doc.status().message());
}

TEST(ParseDocumentJson, ReadsEveryFieldAndIgnoresUnknownOnes) {
  absl::StatusOr<v1::Document> doc = ParseDocumentJson(
      R"({"id": "vancouver", "text": "Vancouver is a city.", "title": "Vancouver",)"
      R"( "seeds": {"questions": ["Which country?", "How big?"], "facts": []},)"
      R"( "url": "https://example.org", "meta": {"n": 1}})",
      200000);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->id(), "vancouver");
  EXPECT_EQ(doc->text(), "Vancouver is a city.");
  EXPECT_EQ(doc->title(), "Vancouver");
  ASSERT_EQ(doc->seeds().count("questions"), 1u);
  EXPECT_THAT(doc->seeds().at("questions").items(),
              ::testing::ElementsAre("Which country?", "How big?"));
  EXPECT_EQ(doc->seeds().at("facts").items_size(), 0);
}

TEST(ParseDocumentJson, TakesTitleAndSeedsAsOptional) {
  absl::StatusOr<v1::Document> doc =
      ParseDocumentJson(R"({"id": "d1", "text": "t", "title": null})", 200000);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->title(), "");
  EXPECT_TRUE(doc->seeds().empty());
}

TEST(ParseDocumentJson, KeepsANumericIdAsItsDecimalText) {
  absl::StatusOr<v1::Document> doc = ParseDocumentJson(R"({"id": 1234567, "text": "t"})", 0);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->id(), "1234567");
  doc = ParseDocumentJson(R"({"id": -7, "text": "t"})", 0);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->id(), "-7");
}

TEST(ParseDocumentJson, NamesTheFieldOfEachTypeError) {
  EXPECT_EQ(ErrorOf(R"({"id": "d", "text": ""})"), R"(field "text": expected a non-empty string)");
  EXPECT_EQ(ErrorOf(R"({"id": "d"})"), R"(field "text": expected a non-empty string)");
  EXPECT_EQ(ErrorOf(R"({"id": "d", "text": 5})"), R"(field "text": expected a non-empty string)");
  EXPECT_EQ(ErrorOf(R"({"text": "t"})"),
            R"(field "id": expected a non-empty string or an integer)");
  EXPECT_EQ(ErrorOf(R"({"id": "", "text": "t"})"),
            R"(field "id": expected a non-empty string or an integer)");
  EXPECT_EQ(ErrorOf(R"({"id": 1.5, "text": "t"})"),
            R"(field "id": expected a non-empty string or an integer)");
  EXPECT_EQ(ErrorOf(R"({"id": "d", "text": "t", "title": ["x"]})"),
            R"(field "title": expected a string)");
  EXPECT_EQ(ErrorOf(R"({"id": "d", "text": "t", "seeds": ["q"]})"),
            R"(field "seeds": expected an object of string arrays)");
  EXPECT_EQ(ErrorOf(R"({"id": "d", "text": "t", "seeds": {"questions": "q"}})"),
            R"(field "seeds.questions": expected an array of strings)");
  EXPECT_EQ(ErrorOf(R"({"id": "d", "text": "t", "seeds": {"questions": ["a", "b", 3]}})"),
            R"(field "seeds.questions[2]": expected a string)");
}

TEST(ParseDocumentJson, LimitsTheIdAndRejectsControlCharactersInIt) {
  const std::string long_id(513, 'x');
  EXPECT_EQ(ErrorOf(R"({"id": ")" + long_id + R"(", "text": "t"})"),
            R"(field "id": 513 bytes, over the limit of 512)");
  EXPECT_EQ(ErrorOf(R"({"id": ")" + std::string(512, 'x') + R"(", "text": "t"})"), "OK");
  EXPECT_EQ(ErrorOf(R"({"id": "ab\tc", "text": "t"})"),
            R"(field "id": control character at byte 2)");
  EXPECT_EQ(ErrorOf("{\"id\": \"a\xC2\x85\", \"text\": \"t\"}"),
            R"(field "id": control character at byte 1)");
}

TEST(ParseDocumentJson, LimitsTheTextSize) {
  const std::string text(300000, 'a');
  EXPECT_EQ(ErrorOf(R"({"id": "d", "text": ")" + text + R"("})", 200000),
            "document text is 300000 bytes, over the limit of 200000");
  EXPECT_EQ(ErrorOf(R"({"id": "d", "text": ")" + text + R"("})", 0), "OK");
}

TEST(ParseDocumentJson, ReportsInvalidJsonWithTheParserMessage) {
  EXPECT_EQ(ErrorOf(R"({"id": "d", "text": )"),
            "invalid JSON: parse error at line 1, column 21: syntax error while parsing value - "
            "unexpected end of input; expected '[', '{', or a literal");
  EXPECT_EQ(ErrorOf(R"(["id", "text"])"), "expected a JSON object, got an array");
}

TEST(ParseDocumentJson, NamesTheFieldAndByteOfInvalidUtf8) {
  const std::string line = "{\"id\": \"d\", \"text\": \"caf\xC3\"}";
  EXPECT_EQ(ErrorOf(line), "not valid UTF-8 in field \"text\" at byte 24");
  EXPECT_EQ(ErrorOf("{\"id\": \"d\", \"text\": \"t\", \"seeds\": {\"q\": [\"ok\", \"\xFF\"]}}"),
            "not valid UTF-8 in field \"seeds.q[1]\" at byte 48");
  EXPECT_EQ(ErrorOf("{\"id\": \"d\", \"te\xFFxt\": \"t\"}"),
            "not valid UTF-8 in a field name at byte 15");
  EXPECT_EQ(ErrorOf("{\"id\": \"d\", \xFF}"), "not valid UTF-8 at byte 12");
}

TEST(DocumentToJsonLine, WritesCompactJsonThatParsesBackUnchanged) {
  v1::Document doc;
  doc.set_id("d1");
  doc.set_text("Line one.\nLine \"two\" \xE2\x80\x94 done.");
  doc.set_title("T");
  (*doc.mutable_seeds())["questions"].add_items("Why?");
  (*doc.mutable_seeds())["answers"].add_items("Because.");
  const std::string line = DocumentToJsonLine(doc);
  EXPECT_EQ(line,
            "{\"id\":\"d1\",\"text\":\"Line one.\\nLine \\\"two\\\" \xE2\x80\x94 done.\","
            "\"title\":\"T\",\"seeds\":{\"answers\":[\"Because.\"],\"questions\":[\"Why?\"]}}");
  absl::StatusOr<v1::Document> back = ParseDocumentJson(line, 0);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*back, doc))
      << back->DebugString();
}

TEST(DocumentToJsonLine, LeavesOutAnEmptyTitleAndSeeds) {
  v1::Document doc;
  doc.set_id("d");
  doc.set_text("t");
  EXPECT_EQ(DocumentToJsonLine(doc), R"({"id":"d","text":"t"})");
}

TEST(DocumentJsonlReader, KeepsGoingPastABadLineWithTheRightLineNumbers) {
  TempDir dir;
  const std::string path = dir.Write("docs.jsonl",
                                     "{\"id\": \"a\", \"text\": \"first\"}\n"
                                     "\n"
                                     "{\"id\": \"b\", \"text\": 7}\r\n"
                                     "   \n"
                                     "{\"id\": \"c\", \"text\": \"third\"}");  // no final newline
  absl::StatusOr<DocumentJsonlReader> reader = DocumentJsonlReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();

  std::optional<DocumentJsonlReader::Entry> e = reader->Next();
  ASSERT_TRUE(e.has_value());
  ASSERT_TRUE(e->document.ok()) << e->document.status();
  EXPECT_EQ(e->document->id(), "a");
  EXPECT_EQ(e->line, 1u);
  EXPECT_EQ(e->end_offset, 29u);

  e = reader->Next();
  ASSERT_TRUE(e.has_value());
  EXPECT_FALSE(e->document.ok());
  EXPECT_EQ(e->document.status().message(),
            path + ":3: field \"text\": expected a non-empty string");
  EXPECT_EQ(e->line, 3u);

  e = reader->Next();
  ASSERT_TRUE(e.has_value());
  ASSERT_TRUE(e->document.ok()) << e->document.status();
  EXPECT_EQ(e->document->id(), "c");
  EXPECT_EQ(e->line, 5u);
  EXPECT_EQ(e->end_offset, std::filesystem::file_size(path));

  EXPECT_FALSE(reader->Next().has_value());
  EXPECT_FALSE(reader->Next().has_value());
}

TEST(DocumentJsonlReader, ResumesAtAnEndOffsetWithTheNextDocument) {
  TempDir dir;
  std::string content;
  for (int i = 0; i < 200; ++i) {
    content += "{\"id\": \"doc" + std::to_string(i) + "\", \"text\": \"" +
               std::string(500 + i, 'x') + "\"}\n";
  }
  const std::string path = dir.Write("docs.jsonl", content);

  absl::StatusOr<DocumentJsonlReader> first = DocumentJsonlReader::Open(path);
  ASSERT_TRUE(first.ok()) << first.status();
  DocumentJsonlReader::Entry last{absl::UnknownError("none"), 0, 0};
  for (int i = 0; i < 137; ++i) last = *first->Next();
  ASSERT_TRUE(last.document.ok());
  EXPECT_EQ(last.document->id(), "doc136");

  absl::StatusOr<DocumentJsonlReader> resumed =
      DocumentJsonlReader::Open(path, last.end_offset, last.line);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  std::vector<std::string> ids;
  while (std::optional<DocumentJsonlReader::Entry> e = resumed->Next()) {
    ASSERT_TRUE(e->document.ok()) << e->document.status();
    if (ids.empty()) {
      EXPECT_EQ(e->line, 138u);
    }
    ids.push_back(e->document->id());
  }
  ASSERT_EQ(ids.size(), 63u);
  EXPECT_EQ(ids.front(), "doc137");
  EXPECT_EQ(ids.back(), "doc199");
}

TEST(DocumentJsonlReader, RejectsAnOverlongLineAndReadsTheNextOne) {
  TempDir dir;
  const std::string path =
      dir.Write("docs.jsonl", "{\"id\": \"big\", \"text\": \"" + std::string(200000, 'y') +
                                  "\"}\n{\"id\": \"small\", \"text\": \"s\"}\n");
  absl::StatusOr<DocumentJsonlReader> reader =
      DocumentJsonlReader::Open(path, 0, 0, 0, /*max_line_bytes=*/1000);
  ASSERT_TRUE(reader.ok()) << reader.status();
  std::optional<DocumentJsonlReader::Entry> e = reader->Next();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->document.status().message(), path + ":1: line is over the limit of 1000 bytes");
  e = reader->Next();
  ASSERT_TRUE(e.has_value());
  ASSERT_TRUE(e->document.ok()) << e->document.status();
  EXPECT_EQ(e->document->id(), "small");
  EXPECT_EQ(e->line, 2u);
}

TEST(DocumentJsonlReader, ReadsBytesInMemoryAsItReadsAFile) {
  absl::StatusOr<DocumentJsonlReader> reader = DocumentJsonlReader::FromBytes(
      "{\"id\": \"a\", \"text\": \"t\"}\r\n\n[1]\n{\"id\": \"b\", \"text\": \"" +
          std::string(100, 'x') + "\"}",
      "in-memory.jsonl", 0, /*max_line_bytes=*/64);
  ASSERT_TRUE(reader.ok()) << reader.status();
  std::optional<DocumentJsonlReader::Entry> e = reader->Next();
  ASSERT_TRUE(e.has_value());
  ASSERT_TRUE(e->document.ok()) << e->document.status();
  EXPECT_EQ(e->document->id(), "a");
  e = reader->Next();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->line, 3u);
  EXPECT_EQ(e->document.status().message(),
            "in-memory.jsonl:3: expected a JSON object, got an array");
  e = reader->Next();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->document.status().message(),
            "in-memory.jsonl:4: line is over the limit of 64 bytes");
  EXPECT_FALSE(reader->Next().has_value());

  absl::StatusOr<DocumentJsonlReader> empty = DocumentJsonlReader::FromBytes("", "empty.jsonl");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_FALSE(empty->Next().has_value());
}

TEST(DocumentJsonlReader, ReportsAMissingFileAsNotFoundNamingIt) {
  TempDir dir;
  const std::string path = dir.path() + "/absent.jsonl";
  absl::StatusOr<DocumentJsonlReader> reader = DocumentJsonlReader::Open(path);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(reader.status().message(), path + ": no such file");
}

TEST(DocumentJsonlReader, RefusesAnOffsetPastTheEnd) {
  TempDir dir;
  const std::string path = dir.Write("docs.jsonl", "{\"id\": \"a\", \"text\": \"t\"}\n");
  absl::StatusOr<DocumentJsonlReader> reader = DocumentJsonlReader::Open(path, 1000);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(std::string(reader.status().message()), HasSubstr("offset 1000 is past the end"));
}

// The bundled examples are what demos and benchmarks read: every line must stay valid, and
// scripts/make_example_docs.py writes exactly the line DocumentToJsonLine writes.
TEST(DocumentJsonlReader, ReadsEveryBundledExampleDocument) {
  for (const auto& [name, count] : {std::pair<std::string, size_t>{"qa", 50}, {"inbox", 12}}) {
    const std::string path = std::string(CODI_SOURCE_DIR) + "/examples/" + name + "/docs.jsonl";
    std::vector<std::string> lines;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    absl::StatusOr<DocumentJsonlReader> reader = DocumentJsonlReader::Open(path);
    ASSERT_TRUE(reader.ok()) << reader.status();
    std::set<std::string> ids;
    while (std::optional<DocumentJsonlReader::Entry> e = reader->Next()) {
      ASSERT_TRUE(e->document.ok()) << e->document.status();
      ASSERT_LE(e->line, lines.size());
      EXPECT_EQ(DocumentToJsonLine(*e->document), lines[e->line - 1]);
      EXPECT_FALSE(e->document->title().empty()) << path << ":" << e->line;
      EXPECT_GE(e->document->seeds().at("questions").items_size(), 3) << path << ":" << e->line;
      ids.insert(e->document->id());
    }
    EXPECT_EQ(lines.size(), count) << path;
    EXPECT_EQ(ids.size(), count) << path;
  }
}

}  // namespace
}  // namespace codi
