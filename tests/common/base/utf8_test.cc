#include "common/base/utf8.h"

#include <string>
#include <utility>

#include "gtest/gtest.h"

namespace codi {
namespace {

TEST(Utf8, AcceptsAsciiAndEveryEncodingLength) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9"));       // U+00E9
  EXPECT_TRUE(IsValidUtf8("\xE2\x80\x94"));      // U+2014 em dash
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));  // U+1F600
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
  EXPECT_TRUE(IsValidUtf8(std::string("nul\0inside", 10)));
}

TEST(Utf8, RejectsMalformedSequencesAtTheirFirstByte) {
  EXPECT_EQ(FirstInvalidUtf8Byte("ab\xFF"), 2u);            // never valid
  EXPECT_EQ(FirstInvalidUtf8Byte("a\xC3"), 1u);             // truncated
  EXPECT_EQ(FirstInvalidUtf8Byte("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(FirstInvalidUtf8Byte("\xE0\x80\xAF"), 0u);      // overlong, 3 bytes
  EXPECT_EQ(FirstInvalidUtf8Byte("x\xED\xA0\x80"), 1u);     // surrogate U+D800
  EXPECT_EQ(FirstInvalidUtf8Byte("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(FirstInvalidUtf8Byte("\x80"), 0u);              // lone continuation
  EXPECT_EQ(FirstInvalidUtf8Byte("\xE2\x80x"), 0u);         // bad continuation
  EXPECT_FALSE(FirstInvalidUtf8Byte("ok \xE2\x80\x94 ok").has_value());
}

TEST(AppendUtf8, EncodesEachLengthAtItsBoundaries) {
  const std::pair<uint32_t, std::string> cases[] = {
      {0x41, "A"},
      {0x7F, "\x7F"},
      {0x80, "\xC2\x80"},
      {0x7FF, "\xDF\xBF"},
      {0x800, "\xE0\xA0\x80"},
      {0x20AC, "\xE2\x82\xAC"},
      {0xFFFF, "\xEF\xBF\xBF"},
      {0x10000, "\xF0\x90\x80\x80"},
      {0x1F600, "\xF0\x9F\x98\x80"},
      {0x10FFFF, "\xF4\x8F\xBF\xBF"},
  };
  for (const auto& [code_point, bytes] : cases) {
    std::string out = "x";
    AppendUtf8(code_point, &out);
    EXPECT_EQ(out, "x" + bytes) << std::hex << code_point;
    EXPECT_TRUE(IsValidUtf8(out)) << std::hex << code_point;
  }
}

TEST(EscapeControlCharacters, KeepsAMessageQuotingInputOnOneLine) {
  EXPECT_EQ(EscapeControlCharacters("field \"a\nb\tc\x01\x7f\": caf\xc3\xa9"),
            "field \"a\\nb\\tc\\x01\\x7f\": caf\xc3\xa9");
  EXPECT_EQ(EscapeControlCharacters(std::string("\0", 1)), "\\x00");
  EXPECT_EQ(EscapeControlCharacters("plain"), "plain");
}

}  // namespace
}  // namespace codi
