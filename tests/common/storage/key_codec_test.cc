#include "common/storage/key_codec.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace codi {
namespace {

using ::testing::HasSubstr;

using Tuple = std::tuple<std::string, uint32_t, std::string, uint64_t>;

std::string Encode(const Tuple& t) {
  return KeyEncoder()
      .String(std::get<0>(t))
      .U32(std::get<1>(t))
      .String(std::get<2>(t))
      .U64(std::get<3>(t))
      .Finish();
}

// Strings drawn from the bytes that matter to the escaping (0x00, 0x01, 0xFF)
// and two ordinary ones, so that short random strings often share prefixes.
std::string RandomString(std::mt19937_64& rng) {
  static constexpr char kAlphabet[] = {'\x00', '\x01', '\xFF', 'a', 'b'};
  std::uniform_int_distribution<int> length(0, 4);
  std::uniform_int_distribution<int> pick(0, sizeof(kAlphabet) - 1);
  std::string s;
  for (int i = length(rng); i > 0; --i) s.push_back(kAlphabet[pick(rng)]);
  return s;
}

// Integers near the byte boundaries, where a little-endian or variable-width
// encoding would misorder.
template <typename T>
T RandomInt(std::mt19937_64& rng) {
  static constexpr uint64_t kEdges[] = {0, 1, 0xFF, 0x100, 0xFFFF, 0x10000, 0xFFFFFFFF};
  std::uniform_int_distribution<int> pick(0, std::size(kEdges));
  const size_t i = pick(rng);
  return static_cast<T>(i < std::size(kEdges) ? kEdges[i] : rng());
}

int Sign(int x) { return (x > 0) - (x < 0); }

// Unsigned-byte comparison, the order RocksDB's default comparator uses.
int CompareBytes(const std::string& a, const std::string& b) {
  const int c = std::string_view(a).compare(b);  // char_traits<char> compares as unsigned char
  return Sign(c);
}

int CompareTuples(const Tuple& a, const Tuple& b) {
  if (a < b) return -1;
  if (b < a) return 1;
  return 0;
}

TEST(KeyCodec, RoundTripsEveryFieldType) {
  const std::string with_zero("a\0b\xFF", 4);
  std::string key = KeyEncoder()
                        .String("job-1")
                        .U32(7)
                        .U64(0x0102030405060708ULL)
                        .String("")
                        .String(with_zero)
                        .U32(0xFFFFFFFF)
                        .Finish();
  KeyDecoder d(key);
  EXPECT_EQ(*d.String(), "job-1");
  EXPECT_EQ(*d.U32(), 7u);
  EXPECT_EQ(*d.U64(), 0x0102030405060708ULL);
  EXPECT_EQ(*d.String(), "");
  EXPECT_EQ(*d.String(), with_zero);
  EXPECT_FALSE(d.done());
  EXPECT_EQ(*d.U32(), 0xFFFFFFFFu);
  EXPECT_TRUE(d.done());
}

TEST(KeyCodec, WritesTheDocumentedBytes) {
  const std::string key = KeyEncoder().String(std::string("a\0b", 3)).U32(0x01020304).Finish();
  EXPECT_EQ(key, std::string("\x01"
                             "a\x00\xFF"
                             "b\x00\x01"
                             "\x01\x02\x03\x04",
                             11));
  EXPECT_EQ(static_cast<uint8_t>(key[0]), kKeyFormatVersion);
}

TEST(KeyCodec, EncodedKeysSortLikeTheirTuples) {
  std::mt19937_64 rng(20240601);
  std::vector<Tuple> tuples;
  for (int i = 0; i < 3000; ++i) {
    tuples.emplace_back(RandomString(rng), RandomInt<uint32_t>(rng), RandomString(rng),
                        RandomInt<uint64_t>(rng));
  }
  // Over random pairs (the small alphabet makes near-equal ones common): the
  // byte order of the keys is the tuple order, equal keys only for equal tuples.
  std::uniform_int_distribution<size_t> pick(0, tuples.size() - 1);
  for (int i = 0; i < 20000; ++i) {
    const Tuple& a = tuples[pick(rng)];
    const Tuple& b = tuples[pick(rng)];
    ASSERT_EQ(CompareBytes(Encode(a), Encode(b)), CompareTuples(a, b))
        << "a=(" << testing::PrintToString(a) << ") b=(" << testing::PrintToString(b) << ")";
  }
  // And sorting by key gives the sorted tuples.
  std::vector<Tuple> by_key = tuples;
  std::sort(by_key.begin(), by_key.end(),
            [](const Tuple& a, const Tuple& b) { return CompareBytes(Encode(a), Encode(b)) < 0; });
  std::vector<Tuple> by_tuple = tuples;
  std::sort(by_tuple.begin(), by_tuple.end());
  EXPECT_EQ(by_key, by_tuple);
}

TEST(KeyCodec, ShorterStringSortsBeforeItsExtensions) {
  // The cases the 0x00 0x01 terminator and 0x00 0xFF escape exist for.
  const std::vector<std::string> ordered = {
      std::string(""),
      std::string("\x00", 1),
      std::string("\x00\x00", 2),
      std::string("\x00\x01", 2),
      std::string("\x01", 1),
      std::string("a"),
      std::string("a\x00", 2),
      std::string("a\x00\xFF", 3),
      std::string("a\x01", 2),
      std::string("ab"),
      std::string("a\xFF", 2),
      std::string("\xFF", 1),
  };
  for (size_t i = 0; i + 1 < ordered.size(); ++i) {
    EXPECT_LT(KeyEncoder().String(ordered[i]).U32(0xFFFFFFFF).Finish(),
              KeyEncoder().String(ordered[i + 1]).U32(0).Finish())
        << "index " << i;
  }
}

TEST(KeyCodec, AnEncodedPrefixOfFieldsIsABytePrefix) {
  const std::string prefix = KeyEncoder().String("job").U32(3).data();
  const std::string key = KeyEncoder().String("job").U32(3).String("x").U64(9).Finish();
  EXPECT_TRUE(key.starts_with(prefix));
  // A key whose first string only starts with "job" is outside the prefix.
  const std::string other = KeyEncoder().String("job2").U32(3).Finish();
  EXPECT_FALSE(other.starts_with(KeyEncoder().String("job").data()));
}

TEST(KeyCodec, RejectsAKeyOfAnotherVersion) {
  std::string key = KeyEncoder().String("x").Finish();
  key[0] = static_cast<char>(kKeyFormatVersion + 1);
  KeyDecoder d(key);
  absl::StatusOr<std::string> s = d.String();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("version 2"));
  EXPECT_FALSE(d.done());
}

TEST(KeyCodec, RejectsTheEmptyKey) {
  KeyDecoder d("");
  EXPECT_FALSE(d.U32().ok());
  EXPECT_FALSE(d.done());
}

TEST(KeyCodec, EveryTruncationOfAKeyFailsWithoutCrashing) {
  const std::string key =
      KeyEncoder().String(std::string("a\0b", 3)).U32(1).U64(2).String("end").Finish();
  for (size_t n = 0; n < key.size(); ++n) {
    KeyDecoder d(std::string_view(key).substr(0, n));
    absl::Status status = absl::OkStatus();
    if (auto s = d.String(); !s.ok()) status = s.status();
    if (auto s = d.U32(); !s.ok() && status.ok()) status = s.status();
    if (auto s = d.U64(); !s.ok() && status.ok()) status = s.status();
    if (auto s = d.String(); !s.ok() && status.ok()) status = s.status();
    EXPECT_FALSE(status.ok()) << "truncated to " << n << " bytes";
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_FALSE(d.done());
  }
}

TEST(KeyCodec, NamesTheOffsetOfABadEscape) {
  const std::string key(
      "\x01"
      "ab\x00\x07",
      5);
  KeyDecoder d(key);
  absl::StatusOr<std::string> s = d.String();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("byte 3"));
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("0x07"));
  // The error is sticky.
  EXPECT_FALSE(d.U32().ok());
}

TEST(KeyCodec, DoneIsFalseWhileBytesRemain) {
  const std::string key = KeyEncoder().U32(1).U32(2).Finish();
  KeyDecoder d(key);
  ASSERT_TRUE(d.U32().ok());
  EXPECT_FALSE(d.done());
}

TEST(KeyCodec, RandomGarbageNeverCrashesTheDecoder) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> length(0, 24);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> field(0, 2);
  int decoded_fields = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string garbage;
    for (int n = length(rng); n > 0; --n) garbage.push_back(static_cast<char>(byte(rng)));
    if (!garbage.empty() && i % 2 == 0) garbage[0] = static_cast<char>(kKeyFormatVersion);
    KeyDecoder d(garbage);
    for (int f = 0; f < 6; ++f) {
      bool ok = false;
      switch (field(rng)) {
        case 0:
          ok = d.String().ok();
          break;
        case 1:
          ok = d.U32().ok();
          break;
        default:
          ok = d.U64().ok();
          break;
      }
      if (!ok) break;
      ++decoded_fields;
    }
  }
  // Half the inputs carry the right version, so some fields do decode.
  EXPECT_GT(decoded_fields, 0);
}

}  // namespace
}  // namespace codi
