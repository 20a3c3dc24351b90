#include "common/method/graph_sampler.h"

#include <cmath>
#include <map>

#include "gtest/gtest.h"
#include "tests/support/job_specs.h"

namespace codi {
namespace {

using codi::testing::AddLink;

// ask -> answer; answer -> ask (3) | followup (1); followup -> answer.
codi::v1::JobSpec QaSpec(uint32_t min_len, uint32_t max_len) {
  codi::v1::JobSpec spec;
  spec.set_name("qa");
  spec.set_seed(42);
  AddLink(&spec, "ask", "USER", {{"answer", 1}});
  AddLink(&spec, "answer", "AGENT", {{"ask", 3}, {"followup", 1}});
  AddLink(&spec, "followup", "USER", {{"answer", 1}});
  auto* g = spec.mutable_graph();
  (*g->mutable_start())["ask"] = 0.8;
  (*g->mutable_start())["followup"] = 0.2;
  g->mutable_length()->set_min(min_len);
  g->mutable_length()->set_max(max_len);
  return spec;
}

// |observed - p| within `z` standard errors of a binomial proportion.
void ExpectProportion(uint64_t hits, uint64_t n, double p, const std::string& what) {
  ASSERT_GT(n, 0u) << what;
  const double observed = static_cast<double>(hits) / n;
  const double se = std::sqrt(p * (1 - p) / n);
  // z = 5: a correct sampler fails this about once in 1.7 million checks.
  EXPECT_NEAR(observed, p, 5 * se + 1e-12) << what << " over " << n << " draws";
}

TEST(GraphSampler, RollsOutTheSamePathForTheSameKey) {
  auto sampler = GraphSampler::Create(QaSpec(2, 9));
  ASSERT_TRUE(sampler.ok()) << sampler.status();
  auto again = GraphSampler::Create(QaSpec(2, 9));
  for (uint32_t s = 0; s < 50; ++s) {
    EXPECT_EQ(sampler->RollOut("doc-1", s), again->RollOut("doc-1", s));
  }
}

TEST(GraphSampler, DifferentKeysGiveDifferentPaths) {
  auto sampler = GraphSampler::Create(QaSpec(6, 12));
  ASSERT_TRUE(sampler.ok());
  int distinct = 0;
  auto base = sampler->RollOut("doc-1", 0);
  for (uint32_t s = 1; s < 20; ++s) distinct += sampler->RollOut("doc-1", s) != base;
  EXPECT_GE(distinct, 15);
  auto other_seed = QaSpec(6, 12);
  other_seed.set_seed(43);
  auto sampler2 = GraphSampler::Create(other_seed);
  int differs = 0;
  for (uint32_t s = 0; s < 20; ++s)
    differs += sampler2->RollOut("doc-1", s) != sampler->RollOut("doc-1", s);
  EXPECT_GE(differs, 15);
}

TEST(GraphSampler, PinnedPathsNeverChange) {
  // Stored conversations carry their graph, but re-runs compare against these:
  // a change here means every existing job would roll out differently.
  auto sampler = GraphSampler::Create(QaSpec(4, 4));
  ASSERT_TRUE(sampler.ok());
  auto path = sampler->RollOut("vancouver", 0);
  ASSERT_EQ(path.size(), 4u);
  auto path_again = GraphSampler::Create(QaSpec(4, 4))->RollOut("vancouver", 0);
  EXPECT_EQ(path, path_again);
  for (size_t i = 1; i < path.size(); ++i) {
    // Every step follows an edge of the graph.
    if (path[i - 1] == "ask" || path[i - 1] == "followup") {
      EXPECT_EQ(path[i], "answer");
    }
    if (path[i - 1] == "answer") {
      EXPECT_TRUE(path[i] == "ask" || path[i] == "followup");
    }
  }
}

TEST(GraphSampler, MatchesStartTransitionAndLengthDistributionsOver100kRollouts) {
  auto sampler = GraphSampler::Create(QaSpec(2, 6));
  ASSERT_TRUE(sampler.ok());
  const uint64_t n = 100000;
  std::map<std::string, uint64_t> starts;
  std::map<std::pair<std::string, std::string>, uint64_t> transitions;
  std::map<std::string, uint64_t> from;
  std::map<size_t, uint64_t> lengths;
  for (uint64_t i = 0; i < n; ++i) {
    auto path = sampler->RollOut("doc-" + std::to_string(i % 997), static_cast<uint32_t>(i / 997));
    ++starts[path[0]];
    ++lengths[path.size()];
    for (size_t k = 1; k < path.size(); ++k) {
      ++transitions[{path[k - 1], path[k]}];
      ++from[path[k - 1]];
    }
  }
  ExpectProportion(starts["ask"], n, 0.8, "start ask");
  ExpectProportion(starts["followup"], n, 0.2, "start followup");
  EXPECT_EQ(starts.count("answer"), 0u);
  ExpectProportion(transitions[{"answer", "ask"}], from["answer"], 0.75, "answer->ask");
  ExpectProportion(transitions[{"answer", "followup"}], from["answer"], 0.25, "answer->followup");
  EXPECT_EQ((transitions[{"ask", "answer"}]), from["ask"]);
  EXPECT_EQ((transitions[{"followup", "answer"}]), from["followup"]);
  for (size_t len = 2; len <= 6; ++len)
    ExpectProportion(lengths[len], n, 0.2, "length " + std::to_string(len));
  EXPECT_EQ(lengths.size(), 5u);  // nothing outside [2, 6]
}

TEST(GraphSampler, HonoursAFixedLength) {
  auto spec = QaSpec(0, 0);
  spec.mutable_graph()->mutable_length()->set_n(7);
  auto sampler = GraphSampler::Create(spec);
  ASSERT_TRUE(sampler.ok());
  for (uint32_t s = 0; s < 200; ++s) EXPECT_EQ(sampler->RollOut("d", s).size(), 7u);
}

TEST(GraphSampler, ExpectedVisitsMatchObservedFrequencies) {
  auto sampler = GraphSampler::Create(QaSpec(3, 5));
  ASSERT_TRUE(sampler.ok());
  std::vector<double> expected = sampler->ExpectedVisits();
  std::vector<double> observed(3, 0.0);
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    for (const auto& link : sampler->RollOut("x", i)) {
      for (size_t k = 0; k < 3; ++k) observed[k] += link == sampler->link_names()[k];
    }
  }
  double total_expected = 0;
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_NEAR(observed[k] / n, expected[k], 0.05) << sampler->link_names()[k];
    total_expected += expected[k];
  }
  EXPECT_NEAR(total_expected, 4.0, 1e-9);  // the mean length of uniform [3, 5]
}

TEST(GraphSampler, RejectsAGraphWithNoLinksOrZeroLength) {
  codi::v1::JobSpec empty;
  EXPECT_FALSE(GraphSampler::Create(empty).ok());
  auto zero = QaSpec(0, 0);
  EXPECT_FALSE(GraphSampler::Create(zero).ok());
}

}  // namespace
}  // namespace codi
