// End-to-end tests of `codi run` against the real simulator, as processes:
// resume after SIGKILL without re-requesting finished turns, determinism
// run to run, and completion under injected teacher faults.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"
#include "tests/support/job_yaml.h"
#include "tests/support/sim_request_log.h"
#include "tests/support/temp_dir.h"

namespace codi::testing {
namespace {

const std::string kBin = CODI_BIN_DIR;
const std::string kDocs = std::string(CODI_SOURCE_DIR) + "/examples/qa/docs.jsonl";

struct Sim {
  ChildProcess process;
  std::string address;
  bool Start(const TempDir& dir, std::vector<std::string> extra) {
    std::vector<std::string> argv = {kBin + "/codi-teacher-sim", "--listen", "127.0.0.1:0",
                                     "--request-log", dir.File("requests.jsonl")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    if (!process.Start(argv, dir.File("sim.out"), dir.File("sim.err"))) return false;
    address = process.WaitForListenAddress(20);
    return !address.empty();
  }
};

// ask -> answer -> ask (2) | followup (1), with coreference in follow-ups.
constexpr char kQaLinks[] = R"(    - name: ask
      role: USER
      instruction: Ask a short factual question that the document answers.
      next: {answer: 1}
    - name: answer
      role: AGENT
      instruction: Answer the last question with a short span from the document.
      next: {ask: 2, followup: 1}
    - name: followup
      role: USER
      instruction: Ask a follow-up question about the last answer.
      phenomena: [{name: coreference, probability: 0.7}]
      next: {answer: 1}
)";

// `samples` six-turn conversations of each of the first `docs` documents.
std::string QaJob(const std::string& name, const Sim& sim, uint64_t docs, uint32_t samples,
                  std::vector<std::string> teacher = {}) {
  return JobYaml({.name = name,
                  .seed = 11,
                  .documents = kDocs,
                  .limit = docs,
                  .samples = samples,
                  .length = 6,
                  .links = kQaLinks,
                  .endpoint = "http://" + sim.address + "/v1",
                  .teacher = std::move(teacher)});
}

struct Output {
  std::map<std::pair<std::string, int>, nlohmann::json> conversations;
  int lines = 0;
};

Output ReadOutput(const std::string& dir) {
  Output out;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".jsonl") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    for (const auto& line : ReadLines(f)) {
      auto j = nlohmann::json::parse(line);
      ++out.lines;
      out.conversations[{j["doc_id"].get<std::string>(), j["sample"].get<int>()}] = j;
    }
  }
  return out;
}

// Checks roles, weights and turn counts of every conversation against its graph.
void ExpectWellFormed(const Output& out) {
  for (const auto& [key, c] : out.conversations) {
    const auto& graph = c["graph"];
    const auto& turns = c["turns"];
    ASSERT_EQ(turns.size(), graph.size() + 1) << key.first;
    EXPECT_EQ(turns[0]["role"], "CONTEXT");
    EXPECT_EQ(turns[0]["weight"], 0.0);
    for (size_t i = 0; i < graph.size(); ++i) {
      const auto& t = turns[i + 1];
      EXPECT_EQ(t["link"], graph[i]);
      const std::string role = graph[i] == "answer" ? "AGENT" : "USER";
      EXPECT_EQ(t["role"], role);
      EXPECT_EQ(t["weight"], role == "AGENT" ? 1.0 : 0.0);
      EXPECT_FALSE(t["text"].get<std::string>().empty());
    }
  }
}

TEST(CodiRun, ResumesAfterSigkillWithoutRequestingAFinishedTurnAgain) {
  TempDir dir;
  Sim sim;
  ASSERT_TRUE(sim.Start(dir, {"--latency-ms", "15"}));
  WriteFile(dir.File("job.yaml"), QaJob("resume", sim, 30, 2));
  const int concurrency = 8;
  const std::vector<std::string> argv = {kBin + "/codi",
                                         "run",
                                         dir.File("job.yaml"),
                                         "--state",
                                         dir.File("state"),
                                         "--out",
                                         dir.File("out"),
                                         "--concurrency",
                                         std::to_string(concurrency),
                                         "--progress",
                                         "none"};
  ChildProcess first;
  ASSERT_TRUE(first.Start(argv, dir.File("run1.out"), dir.File("run1.err")));
  // Kill it roughly halfway: 60 conversations x 6 turns = 360 turns.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (ReadLines(dir.File("requests.jsonl")).size() < 150 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  first.Signal(SIGKILL);
  ASSERT_EQ(first.Wait(10), 128 + SIGKILL);
  const size_t before_restart = ReadLines(dir.File("requests.jsonl")).size();
  ASSERT_GE(before_restart, 150u);
  ASSERT_LT(before_restart, 360u) << "the run finished before it could be killed";

  ChildProcess second;
  ASSERT_TRUE(second.Start(argv, dir.File("run2.out"), dir.File("run2.err")));
  ASSERT_EQ(second.Wait(180), 0) << ReadFile(dir.File("run2.err"));

  Output out = ReadOutput(dir.File("out"));
  EXPECT_EQ(out.lines, 60);  // each (document, sample) exactly once
  EXPECT_EQ(out.conversations.size(), 60u);
  ExpectWellFormed(out);

  // Every turn answered once, except those in flight at the kill (at most one
  // per worker thread): no finished turn was requested again.
  const std::map<std::string, int> answered = AnsweredTurns(dir.File("requests.jsonl"));
  EXPECT_EQ(answered.size(), 360u);
  EXPECT_LE(RepeatedAnswers(answered), concurrency);
}

TEST(CodiRun, SameSpecAndSeedGiveIdenticalOutputRunToRun) {
  TempDir dir;
  Sim sim;
  ASSERT_TRUE(sim.Start(dir, {}));
  WriteFile(dir.File("job.yaml"), QaJob("same", sim, 10, 3));
  std::string out1, out2, err;
  for (const char* run : {"a", "b"}) {
    int code = RunToCompletion({kBin + "/codi", "run", dir.File("job.yaml"), "--state",
                                dir.File(std::string("state-") + run), "--out",
                                dir.File(std::string("out-") + run), "--progress", "none"},
                               120, nullptr, &err);
    ASSERT_EQ(code, 0) << err;
  }
  Output a = ReadOutput(dir.File("out-a"));
  Output b = ReadOutput(dir.File("out-b"));
  ASSERT_EQ(a.conversations.size(), 30u);
  for (const auto& [key, c] : a.conversations) {
    EXPECT_EQ(c["graph"], b.conversations[key]["graph"]) << key.first << "/" << key.second;
    EXPECT_EQ(c["turns"], b.conversations[key]["turns"]) << key.first << "/" << key.second;
  }
  // The shards hold the same conversations in the same order; only usage may
  // differ (the simulator's prefix cache was warm for the second run).
  for (const auto& entry : std::filesystem::directory_iterator(dir.File("out-a"))) {
    if (entry.path().extension() != ".jsonl") continue;
    auto lines_a = ReadLines(entry.path().string());
    auto lines_b = ReadLines(dir.File("out-b") + "/" + entry.path().filename().string());
    ASSERT_EQ(lines_a.size(), lines_b.size());
    for (size_t i = 0; i < lines_a.size(); ++i) {
      auto ja = nlohmann::json::parse(lines_a[i]);
      auto jb = nlohmann::json::parse(lines_b[i]);
      ja.erase("usage");
      jb.erase("usage");
      EXPECT_EQ(ja, jb) << entry.path() << " line " << i;
    }
  }
  // Exporting the same state again gives the same bytes.
  std::string first_export = ReadFile(dir.File("out-a") + "/same-00000-of-00004.jsonl");
  ASSERT_EQ(RunToCompletion({kBin + "/codi", "export", "same", "--state", dir.File("state-a"),
                             "--out", dir.File("out-a")},
                            60, nullptr, &err),
            0)
      << err;
  EXPECT_EQ(ReadFile(dir.File("out-a") + "/same-00000-of-00004.jsonl"), first_export);
}

TEST(CodiRun, CompletesUnderTeacherFaultsAndCountsTheRetries) {
  TempDir dir;
  Sim sim;
  ASSERT_TRUE(sim.Start(dir, {"--fail-500", "0.10", "--fail-429", "0.05", "--hang", "0.02",
                              "--hang-ms", "1500", "--retry-after-s", "1", "--fault-seed", "5"}));
  WriteFile(dir.File("job.yaml"), QaJob("faults", sim, 20, 2,
                                        {"read_timeout_ms: 400", "backoff_base_ms: 10",
                                         "backoff_max_ms: 200", "max_attempts: 10"}));
  std::string out, err;
  int code =
      RunToCompletion({kBin + "/codi", "run", dir.File("job.yaml"), "--state", dir.File("state"),
                       "--out", dir.File("out"), "--concurrency", "8", "--progress", "none"},
                      240, &out, &err);
  ASSERT_EQ(code, 0) << err;
  Output result = ReadOutput(dir.File("out"));
  EXPECT_EQ(result.conversations.size(), 40u);
  ExpectWellFormed(result);

  auto report = nlohmann::json::parse(ReadFile(dir.File("out/report.json")));
  EXPECT_EQ(report["conversations"]["done"], 40);
  EXPECT_EQ(report["conversations"]["failed"], 0);
  std::map<std::string, int> faults;
  for (const auto& line : ReadLines(dir.File("requests.jsonl"))) {
    ++faults[nlohmann::json::parse(line)["fault"].get<std::string>()];
  }
  EXPECT_GT(faults["500"], 0);
  EXPECT_GT(faults["429"], 0);
  // Each injected 500 and 429 cost exactly one retry; a hang is retried once
  // the client's read timeout fires (the simulator may log it later).
  const int retries = report["teacher"]["retries"].get<int>();
  EXPECT_GE(retries, faults["500"] + faults["429"]);
  EXPECT_LE(retries, faults["500"] + faults["429"] + faults["hang"] + 8);
  EXPECT_GT(retries, 0);
  EXPECT_NE(out.find("retries"), std::string::npos) << "the printed report shows the retries";
}

}  // namespace
}  // namespace codi::testing
