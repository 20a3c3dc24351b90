// Normalisation, MinHash/LSH, and the streaming deduplicator: planted exact
// and near duplicates are dropped, everything else is kept.
#include "common/quality/deduplicator.h"

#include <cctype>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/deterministic_rng.h"
#include "common/quality/minhash.h"
#include "common/quality/text_tokens.h"
#include "gtest/gtest.h"

namespace codi {
namespace {

// A text of `n` words drawn from a large vocabulary by `seed`.
std::string RandomText(uint64_t seed, int n) {
  std::vector<std::string> words;
  uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
  for (int i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    words.push_back(absl::StrCat("w", x % 5000));
  }
  return absl::StrJoin(words, " ");
}

// `text` with its words at the given positions replaced.
std::string ReplaceWords(const std::string& text, const std::vector<int>& positions) {
  std::vector<std::string> words = NormalizedWords(text);
  for (int p : positions) words[p] = absl::StrCat("changed", p);
  return absl::StrJoin(words, " ");
}

TEST(NormalizeText, LowersCaseAndCollapsesPunctuationAndSpace) {
  EXPECT_EQ(NormalizeText("  Hello,  World!\n\tIt's  ME... "), "hello world it s me");
  EXPECT_EQ(NormalizeText(""), "");
  EXPECT_EQ(NormalizeText("?!."), "");
  // Multi-byte UTF-8 stays as it is.
  EXPECT_EQ(NormalizeText("Café, NAÏVE"), "café naÏve");
  EXPECT_EQ(NormalizedWords("The cat; the MAT."),
            (std::vector<std::string>{"the", "cat", "the", "mat"}));
}

TEST(NormalizeText, KnowsItsStopwords) {
  EXPECT_TRUE(IsStopword("the"));
  EXPECT_TRUE(IsStopword("what"));
  EXPECT_FALSE(IsStopword("cat"));
  EXPECT_FALSE(IsStopword(""));
}

TEST(MinHash, EstimatesJaccardOfShingleSets) {
  const std::string a = RandomText(1, 200);
  EXPECT_EQ(EstimateJaccard(ComputeMinHash(a), ComputeMinHash(a)), 1.0);
  // Punctuation and case do not change the signature.
  EXPECT_EQ(EstimateJaccard(ComputeMinHash("The cat sat, on the mat!"),
                            ComputeMinHash("the CAT sat on the mat")),
            1.0);
  EXPECT_LT(EstimateJaccard(ComputeMinHash(a), ComputeMinHash(RandomText(2, 200))), 0.1);
  // One word changed in 200 touches 3 of 198 shingles: J = 195/201 = 0.97.
  EXPECT_GT(EstimateJaccard(ComputeMinHash(a), ComputeMinHash(ReplaceWords(a, {100}))), 0.85);
  // Every 4th word changed: almost no shingle survives.
  std::vector<int> every_fourth;
  for (int i = 0; i < 200; i += 4) every_fourth.push_back(i);
  EXPECT_LT(EstimateJaccard(ComputeMinHash(a), ComputeMinHash(ReplaceWords(a, every_fourth))), 0.2);
  // Texts shorter than a shingle are one shingle; empty texts all agree.
  EXPECT_EQ(EstimateJaccard(ComputeMinHash("yes"), ComputeMinHash("Yes.")), 1.0);
  EXPECT_EQ(EstimateJaccard(ComputeMinHash(""), ComputeMinHash("")), 1.0);
}

TEST(MinHash, BandsCatchPairsAtTheThreshold) {
  LshBands lsh = BandsForThreshold(0.8);
  EXPECT_EQ(lsh.bands, 16);
  EXPECT_EQ(lsh.rows, 4);
  EXPECT_GE(CandidateProbability(lsh, 0.8), 0.99);
  EXPECT_LT(CandidateProbability(lsh, 0.2), 0.03);
  for (double t : {0.3, 0.5, 0.7, 0.9, 0.95, 1.0}) {
    LshBands b = BandsForThreshold(t);
    EXPECT_EQ(b.bands * b.rows, kMinHashes) << t;
    EXPECT_GE(CandidateProbability(b, t), 0.99) << t;
  }
}

TEST(Deduplicator, ParsesModesAndRefusesBadThresholds) {
  EXPECT_EQ(ParseDedupMode("off"), DedupMode::kOff);
  EXPECT_EQ(ParseDedupMode("exact"), DedupMode::kExact);
  EXPECT_EQ(ParseDedupMode("near"), DedupMode::kNear);
  EXPECT_FALSE(ParseDedupMode("Near").has_value());
  EXPECT_FALSE(ParseDedupMode("").has_value());
  for (double bad : {0.0, -0.5, 1.5, std::nan("")}) {
    absl::Status s = ValidateDedupOptions({DedupMode::kNear, bad});
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("threshold"), std::string::npos);
  }
  EXPECT_TRUE(ValidateDedupOptions({DedupMode::kNear, 1.0}).ok());
}

// 300 distinct texts with planted duplicates: 20 exact (case and
// punctuation changed), 20 near (one word in 120 changed), 20 far (every
// 3rd word changed). Exact mode drops the 20 exact; near mode the 40; the
// far ones and the originals are kept, and each verdict names its original.
class PlantedDuplicates : public ::testing::Test {
 protected:
  struct Item {
    std::string key, text, original;  // original: "" for an original
    std::string kind;                 // "", "exact", "near", "far"
  };
  void SetUp() override {
    for (int i = 0; i < 300; ++i)
      items_.push_back({absl::StrCat("o", i), RandomText(i, 120), "", ""});
    for (int i = 0; i < 20; ++i) {
      const Item& o = items_[i * 7];
      std::string upper = o.text;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      items_.push_back({absl::StrCat("e", i), "  " + upper + "!!", o.key, "exact"});
      items_.push_back({absl::StrCat("n", i), ReplaceWords(items_[i * 11].text, {60}),
                        items_[i * 11].key, "near"});
      std::vector<int> every_third;
      for (int p = 0; p < 120; p += 3) every_third.push_back(p);
      items_.push_back({absl::StrCat("f", i), ReplaceWords(items_[i * 13].text, every_third),
                        items_[i * 13].key, "far"});
    }
  }
  std::vector<Item> items_;
};

TEST_F(PlantedDuplicates, ExactModeDropsTheExactOnes) {
  Deduplicator dedup({DedupMode::kExact, 0.8});
  std::set<std::string> dropped;
  for (const auto& item : items_) {
    DedupVerdict v = dedup.Offer(item.key, item.text);
    if (!v.kept) {
      dropped.insert(item.key);
      EXPECT_EQ(item.kind, "exact") << item.key;
      EXPECT_EQ(v.reason, "exact");
      EXPECT_EQ(v.duplicate_of, item.original);
      EXPECT_EQ(v.similarity, 1.0);
    }
  }
  EXPECT_EQ(dropped.size(), 20u);
  EXPECT_EQ(dedup.exact_duplicates(), 20u);
  EXPECT_EQ(dedup.near_duplicates(), 0u);
  EXPECT_EQ(dedup.kept(), items_.size() - 20);
  EXPECT_EQ(dedup.offered(), items_.size());
}

TEST_F(PlantedDuplicates, NearModeDropsExactAndNearOnesOnly) {
  Deduplicator dedup({DedupMode::kNear, 0.8});
  uint64_t exact = 0, near = 0;
  for (const auto& item : items_) {
    DedupVerdict v = dedup.Offer(item.key, item.text);
    if (item.kind == "" || item.kind == "far") {
      EXPECT_TRUE(v.kept) << item.key << " dropped as " << v.reason << " of " << v.duplicate_of;
      continue;
    }
    ASSERT_FALSE(v.kept) << item.key;
    EXPECT_EQ(v.reason, item.kind) << item.key;
    EXPECT_EQ(v.duplicate_of, item.original) << item.key;
    if (item.kind == "near") {
      EXPECT_GE(v.similarity, 0.8);
      EXPECT_LT(v.similarity, 1.0 + 1e-9);
      ++near;
    } else {
      ++exact;
    }
  }
  EXPECT_EQ(exact, 20u);
  EXPECT_EQ(near, 20u);
  EXPECT_EQ(dedup.near_duplicates(), 20u);
  EXPECT_EQ(dedup.kept(), 320u);
}

TEST_F(PlantedDuplicates, FarOnesStayEvenAtALowThreshold) {
  // Every 3rd word changed leaves no 3-shingle: J is 0 and they stay even at
  // 0.3; a threshold is a threshold, not a guess.
  Deduplicator dedup({DedupMode::kNear, 0.3});
  uint64_t dropped = 0;
  for (const auto& item : items_) dropped += dedup.Offer(item.key, item.text).kept ? 0 : 1;
  EXPECT_EQ(dropped, 40u);
}

TEST(Deduplicator, OffKeepsEverything) {
  Deduplicator dedup({DedupMode::kOff, 0.8});
  EXPECT_TRUE(dedup.Offer("a", "same text").kept);
  EXPECT_TRUE(dedup.Offer("b", "same text").kept);
  EXPECT_EQ(dedup.offered(), 2u);
  EXPECT_EQ(dedup.exact_duplicates(), 0u);
}

TEST(Deduplicator, KeepsTheFirstAndGrowsItsTables) {
  // Enough texts to grow every table several times; every text is offered
  // twice, the second time as a duplicate of the first.
  Deduplicator dedup({DedupMode::kNear, 0.8});
  const int n = 5000;
  for (int i = 0; i < n; ++i)
    ASSERT_TRUE(dedup.Offer(absl::StrCat("k", i), RandomText(i, 40)).kept) << i;
  for (int i = 0; i < n; i += 97) {
    DedupVerdict v = dedup.Offer(absl::StrCat("again", i), RandomText(i, 40));
    EXPECT_FALSE(v.kept);
    EXPECT_EQ(v.duplicate_of, absl::StrCat("k", i));
  }
  EXPECT_EQ(dedup.kept(), static_cast<uint64_t>(n));
  // The bound in deduplicator.h: about 340 bytes and the key per kept text.
  EXPECT_LT(dedup.MemoryBytes(), static_cast<uint64_t>(n) * (2 * 340 + 16));
}

}  // namespace
}  // namespace codi
