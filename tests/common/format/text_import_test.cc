#include "common/format/text_import.h"

#include <filesystem>
#include <string>
#include <vector>

#include "common/format/document_jsonl.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace codi {
namespace {

using codi::testing::ReadFile;
using codi::testing::TempDir;
using codi::testing::WriteFile;

struct Imported {
  TextImportStats stats;
  std::vector<v1::Document> documents;
  std::vector<std::string> warnings;
};

Imported Import(const std::vector<std::string>& inputs, const std::string& out,
                ChunkOptions options = {}) {
  Imported result;
  auto stats = ImportTextFiles(inputs, out, options,
                               [&](const std::string& w) { result.warnings.push_back(w); });
  EXPECT_TRUE(stats.ok()) << stats.status();
  if (!stats.ok()) return result;
  result.stats = *stats;
  auto reader = DocumentJsonlReader::Open(out, 0, 0, 0);
  EXPECT_TRUE(reader.ok()) << reader.status();
  while (auto entry = reader->Next()) {
    EXPECT_TRUE(entry->document.ok()) << entry->document.status();
    if (entry->document.ok()) result.documents.push_back(*entry->document);
  }
  return result;
}

TEST(ImportTextFiles, WalksDirectoriesInSortedOrderWithStableIdsAndTitles) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("pages/sub"));
  WriteFile(dir.File("pages/b.txt"), "Plain text.\nSame paragraph.\n\nNext paragraph.\n");
  WriteFile(dir.File("pages/a.html"),
            "<html><head><title>Page A</title></head><body><nav>menu</nav><p>Alpha "
            "text.</p></body></html>");
  WriteFile(dir.File("pages/sub/c.md"), "# Markdown Title\n\nSee [the docs](http://x).\n");
  WriteFile(dir.File("pages/notes.png"), "not text");
  WriteFile(dir.File("pages/.hidden.txt"), "hidden");
  Imported result = Import({dir.File("pages")}, dir.File("docs.jsonl"));
  EXPECT_TRUE(result.warnings.empty());
  EXPECT_EQ(result.stats.files, 3u);
  EXPECT_EQ(result.stats.passages, 3u);
  EXPECT_EQ(result.stats.skipped, 0u);
  ASSERT_EQ(result.documents.size(), 3u);
  EXPECT_EQ(result.documents[0].id(), "a.html#0");
  EXPECT_EQ(result.documents[0].title(), "Page A");
  EXPECT_EQ(result.documents[0].text(), "Alpha text.");
  EXPECT_EQ(result.documents[1].id(), "b.txt#0");
  EXPECT_EQ(result.documents[1].title(), "b");
  EXPECT_EQ(result.documents[1].text(), "Plain text. Same paragraph.\n\nNext paragraph.");
  EXPECT_EQ(result.documents[2].id(), "sub/c.md#0");
  EXPECT_EQ(result.documents[2].title(), "Markdown Title");
  EXPECT_EQ(result.documents[2].text(), "See the docs.");

  // The same input gives the same bytes.
  const std::string first = ReadFile(dir.File("docs.jsonl"));
  Import({dir.File("pages")}, dir.File("docs.jsonl"));
  EXPECT_EQ(ReadFile(dir.File("docs.jsonl")), first);
}

TEST(ImportTextFiles, ChunksLongTextsIntoNumberedPassages) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 100; ++i) text += "Sentence number " + std::to_string(i) + " is here. ";
  WriteFile(dir.File("long.txt"), text);
  WriteFile(dir.File("docs.jsonl"),
            "{\"id\": \"doc\", \"text\": \"" + text + "\", \"title\": \"T\"}\n");
  ChunkOptions options;
  options.chunk_chars = 300;
  Imported result =
      Import({dir.File("long.txt"), dir.File("docs.jsonl")}, dir.File("out.jsonl"), options);
  ASSERT_GT(result.documents.size(), 10u);
  size_t text_passages = 0;
  for (const auto& doc : result.documents) {
    EXPECT_LE(Utf8CharCount(doc.text()), 300u);
    EXPECT_EQ(doc.text().back(), '.');
    if (doc.id().starts_with("long.txt#")) {
      EXPECT_EQ(doc.id(), "long.txt#" + std::to_string(text_passages));
      ++text_passages;
    }
  }
  EXPECT_EQ(result.documents.size(), 2 * text_passages);
  EXPECT_EQ(result.documents[text_passages].id(), "doc#0");
  EXPECT_EQ(result.documents[text_passages].title(), "T");
}

TEST(ImportTextFiles, BadInputIsWarnedAboutAndSkippedAndTheRestGoesOn) {
  TempDir dir;
  WriteFile(dir.File("bad.txt"), "good line\n\xff\xfe broken\nanother good line\n");
  WriteFile(dir.File("docs.jsonl"),
            "{\"id\": \"ok\", \"text\": \"Fine.\"}\nnot json\n{\"id\": \"no-text\"}\n");
  WriteFile(dir.File("latin1.html"), "<p>caf\xe9</p>");
  WriteFile(dir.File("data.csv"), "a,b\n");
  Imported result = Import({dir.File("bad.txt"), dir.File("docs.jsonl"), dir.File("latin1.html"),
                            dir.File("data.csv"), dir.File("missing")},
                           dir.File("out.jsonl"));
  ASSERT_EQ(result.documents.size(), 2u);
  EXPECT_EQ(result.documents[0].text(), "good line another good line");
  EXPECT_EQ(result.documents[1].id(), "ok#0");
  EXPECT_EQ(result.stats.files, 2u);
  EXPECT_EQ(result.stats.skipped, 6u);
  const std::vector<std::string> expected_starts = {
      dir.File("bad.txt") + ":2: not valid UTF-8",   dir.File("docs.jsonl") + ":2: invalid JSON",
      dir.File("docs.jsonl") + ":3: field \"text\"", dir.File("latin1.html") + ":1: not valid",
      dir.File("data.csv") + ": not a .txt",         dir.File("missing") + ": no such file"};
  ASSERT_EQ(result.warnings.size(), expected_starts.size());
  for (size_t i = 0; i < expected_starts.size(); ++i) {
    EXPECT_TRUE(result.warnings[i].starts_with(expected_starts[i])) << result.warnings[i];
  }
}

TEST(ImportTextFiles, ALineWithoutBreaksOverTheLimitIsSkippedNotHeld) {
  TempDir dir;
  WriteFile(dir.File("huge.txt"),
            "before\n" + std::string(kMaxTextLineBytes + 10, 'x') + "\nafter\n");
  Imported result = Import({dir.File("huge.txt")}, dir.File("out.jsonl"));
  ASSERT_EQ(result.documents.size(), 1u);
  EXPECT_EQ(result.documents[0].text(), "before\n\nafter");  // the skipped line ends a paragraph
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("huge.txt:2: line is over"), std::string::npos);
}

TEST(ImportTextFiles, AVeryLongParagraphIsChunkedWithoutSplittingWords) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "w" + std::to_string(i) + (i % 10 == 9 ? ".\n" : " ");
  WriteFile(dir.File("para.txt"), text);
  Imported result = Import({dir.File("para.txt")}, dir.File("out.jsonl"));
  ASSERT_GT(result.documents.size(), 50u);
  std::string joined;
  for (const auto& doc : result.documents) {
    EXPECT_LE(Utf8CharCount(doc.text()), 1500u);
    joined += doc.text() + " ";
  }
  // No overlap: every word comes back once, in order.
  std::string expected;
  for (int i = 0; i < 20000; ++i) expected += "w" + std::to_string(i) + (i % 10 == 9 ? ". " : " ");
  EXPECT_EQ(joined, expected);
}

}  // namespace
}  // namespace codi
