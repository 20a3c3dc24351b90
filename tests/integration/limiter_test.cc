// The adaptive concurrency limiter end to end: `codi run` with default flags
// against real simulator processes finds each teacher's knee by itself.
#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/job_yaml.h"
#include "tests/support/temp_dir.h"

namespace codi::testing {
namespace {

const std::string kBin = CODI_BIN_DIR;
const std::string kDocs = std::string(CODI_SOURCE_DIR) + "/examples/qa/docs.jsonl";

// What the progress lines of a run said about the limiter.
struct LimiterLine {
  int limit = 0;
  double rtt_s = 0;
  double unloaded_s = 0;
};

std::vector<LimiterLine> LimiterLines(const std::string& stderr_text) {
  static const std::regex kLine(
      R"(\| limit (\d+) \(\d+ sent, queue [0-9.]+, rtt ([0-9.]+)s, unloaded ([0-9.]+)s\))");
  std::vector<LimiterLine> out;
  for (auto it = std::sregex_iterator(stderr_text.begin(), stderr_text.end(), kLine);
       it != std::sregex_iterator(); ++it) {
    out.push_back({std::stoi((*it)[1]), std::stod((*it)[2]), std::stod((*it)[3])});
  }
  return out;
}

// Runs `conversations` (docs x samples) two-turn conversations with default
// concurrency flags against a simulator of `max_batch` slots at 200 ms.
std::vector<LimiterLine> RunAgainst(int max_batch, uint64_t docs, uint32_t samples) {
  TempDir dir;
  ChildProcess sim;
  const std::vector<std::string> sim_argv = {
      kBin + "/codi-teacher-sim", "--listen", "127.0.0.1:0", "--latency-ms", "200", "--max-batch",
      std::to_string(max_batch)};
  EXPECT_TRUE(sim.Start(sim_argv, dir.File("sim.out"), dir.File("sim.err")));
  const std::string address = sim.WaitForListenAddress(20);
  EXPECT_FALSE(address.empty());
  if (address.empty()) return {};
  WriteFile(dir.File("job.yaml"), JobYaml({.name = "limiter",
                                           .seed = 5,
                                           .documents = kDocs,
                                           .limit = docs,
                                           .samples = samples,
                                           .length = 4,
                                           .endpoint = "http://" + address + "/v1"}));
  std::string out, err;
  const int rc =
      RunToCompletion({kBin + "/codi", "run", dir.File("job.yaml"), "--state", dir.File("state"),
                       "--out", dir.File("out"), "--progress", "lines", "--progress-every", "0.5"},
                      300, &out, &err);
  EXPECT_EQ(rc, 0) << err;
  std::vector<LimiterLine> lines = LimiterLines(err);
  EXPECT_FALSE(lines.empty()) << err;
  return lines;
}

TEST(AdaptiveConcurrency, FindsTheKneeOfASmallTeacherWithoutAQueue) {
  // 150 conversations x 4 turns = 600 turns; at 8 per 200 ms, about 15 s.
  const std::vector<LimiterLine> lines = RunAgainst(8, 50, 3);
  ASSERT_FALSE(lines.empty());
  const LimiterLine& last = lines.back();
  EXPECT_GE(last.limit, 8);   // the batch is kept full...
  EXPECT_LE(last.limit, 16);  // ...and the default maximum (1,024) is nowhere near
  EXPECT_NEAR(last.unloaded_s, 0.2, 0.1);
  // Round trips stay close to the unloaded latency: a short queue at most.
  EXPECT_LE(last.rtt_s, 2.0 * last.unloaded_s);
}

TEST(AdaptiveConcurrency, GrowsPastTheSmallLimitOnALargerTeacher) {
  // 250 conversations x 4 turns = 1,000 turns; at 64 per 200 ms, about 3 s.
  const std::vector<LimiterLine> lines = RunAgainst(64, 50, 5);
  ASSERT_FALSE(lines.empty());
  int peak = 0;
  for (const LimiterLine& line : lines) peak = std::max(peak, line.limit);
  EXPECT_GE(peak, 32);
  EXPECT_LE(peak, 128);
}

}  // namespace
}  // namespace codi::testing
