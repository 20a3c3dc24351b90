#include "common/format/passage_chunker.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace codi {
namespace {

std::vector<std::string> Chunk(const std::vector<std::string>& paragraphs, size_t chunk_chars,
                               size_t overlap_chars = 0) {
  std::vector<std::string> passages;
  PassageChunker chunker({chunk_chars, overlap_chars},
                         [&](std::string p) { passages.push_back(std::move(p)); });
  for (const auto& p : paragraphs) chunker.AddParagraph(p);
  chunker.Finish();
  return passages;
}

// Every word of `text` appears whole in some passage.
void ExpectWordsWhole(const std::string& text, const std::vector<std::string>& passages) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    bool found = false;
    for (const auto& p : passages) found = found || p.find(word) != std::string::npos;
    EXPECT_TRUE(found) << "word '" << word << "' was split";
    start = end + 1;
  }
}

TEST(PassageChunker, KeepsParagraphsThatFitTogetherJoinedByABlankLine) {
  auto passages = Chunk({"One two.", "Three\nfour.", "Five."}, 100);
  ASSERT_EQ(passages.size(), 1u);
  EXPECT_EQ(passages[0], "One two.\n\nThree four.\n\nFive.");
}

TEST(PassageChunker, StartsANewPassageAtAParagraphThatDoesNotFit) {
  const std::string a(60, 'a'), b(60, 'b');
  auto passages = Chunk({a, b}, 100);
  ASSERT_EQ(passages.size(), 2u);
  EXPECT_EQ(passages[0], a);
  EXPECT_EQ(passages[1], b);
}

TEST(PassageChunker, SplitsALongParagraphAtSentenceBoundaries) {
  const std::string paragraph =
      "The first sentence is here. The second one follows it! Does a third ask? "
      "Dr. Smith wrote the fourth sentence.";
  auto passages = Chunk({paragraph}, 60);
  ASSERT_GE(passages.size(), 2u);
  for (const auto& p : passages) {
    EXPECT_LE(Utf8CharCount(p), 60u) << p;
    const char last = p.back();
    EXPECT_TRUE(last == '.' || last == '!' || last == '?') << "'" << p << "' ends mid-sentence";
  }
  // "Dr." does not end a sentence.
  EXPECT_TRUE(passages.back().ends_with(" Dr. Smith wrote the fourth sentence."))
      << passages.back();
}

TEST(PassageChunker, SplitsAnOverlongSentenceAtWordsAndNeverSplitsAWord) {
  std::string sentence;
  for (int i = 0; i < 200; ++i) sentence += "word" + std::to_string(i) + " ";
  sentence += "end.";
  auto passages = Chunk({sentence}, 50);
  ASSERT_GT(passages.size(), 10u);
  for (const auto& p : passages) {
    EXPECT_LE(Utf8CharCount(p), 50u);
    EXPECT_NE(p.front(), ' ');
    EXPECT_NE(p.back(), ' ');
  }
  ExpectWordsWhole(sentence, passages);
}

TEST(PassageChunker, CutsAWordLongerThanAPassageBetweenCharacters) {
  std::string word;
  for (int i = 0; i < 25; ++i) word += "é";  // 2 bytes each
  auto passages = Chunk({word}, 10);
  ASSERT_EQ(passages.size(), 3u);
  EXPECT_EQ(Utf8CharCount(passages[0]), 10u);
  EXPECT_EQ(Utf8CharCount(passages[2]), 5u);
  EXPECT_EQ(passages[0] + passages[1] + passages[2], word);
}

TEST(PassageChunker, OverlapRepeatsTheLastSentencesOfThePreviousPassage) {
  const std::string paragraph =
      "Alpha is first. Beta is second. Gamma is third. Delta is fourth. Epsilon is fifth.";
  auto passages = Chunk({paragraph}, 40, 16);
  ASSERT_GE(passages.size(), 3u);
  for (size_t i = 1; i < passages.size(); ++i) {
    EXPECT_LE(Utf8CharCount(passages[i]), 40u);
    // The next passage starts with a whole sentence of the previous one.
    const std::string first_sentence = passages[i].substr(0, passages[i].find('.') + 1);
    EXPECT_NE(passages[i - 1].find(first_sentence), std::string::npos)
        << passages[i - 1] << " | " << passages[i];
  }
}

TEST(PassageChunker, DocumentsDoNotOverlapOrShareAPassage) {
  std::vector<std::string> passages;
  PassageChunker chunker({100, 20}, [&](std::string p) { passages.push_back(std::move(p)); });
  chunker.AddParagraph("First document.");
  chunker.Finish();
  chunker.AddParagraph("Second document.");
  chunker.Finish();
  EXPECT_EQ(passages, (std::vector<std::string>{"First document.", "Second document."}));
}

TEST(PassageChunker, AParagraphHandedInPartsIsJoinedWithASpace) {
  std::vector<std::string> passages;
  PassageChunker chunker({100, 0}, [&](std::string p) { passages.push_back(std::move(p)); });
  chunker.AddParagraph("one two", /*continues=*/true);
  chunker.AddParagraph("three.");
  chunker.AddParagraph("Next paragraph.");
  chunker.Finish();
  EXPECT_EQ(passages, (std::vector<std::string>{"one two three.\n\nNext paragraph."}));
}

TEST(PassageChunker, EmptyAndBlankTextGivesNoPassage) {
  EXPECT_TRUE(Chunk({"", "  \n\t "}, 100).empty());
}

TEST(SplitSentences, HandlesQuotesInitialsAndCjkMarks) {
  auto sentences = SplitSentences("He said \"go.\" Then J. R. left. 你好。再见！ok");
  ASSERT_EQ(sentences.size(), 5u);
  EXPECT_EQ(sentences[0], "He said \"go.\"");
  EXPECT_EQ(sentences[1], "Then J. R. left.");
  EXPECT_EQ(sentences[2], "你好。");
  EXPECT_EQ(sentences[3], "再见！");
  EXPECT_EQ(sentences[4], "ok");
}

}  // namespace
}  // namespace codi
