// Dedup and the quality signals end to end, with the real binaries: a job
// run against the simulator on documents built to repeat themselves (one
// short sentence, the same text under two ids, many samples), exported with
// each --dedup mode; what is dropped is checked against an independent
// computation over the `--dedup off` export.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

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
using codi::testing::WriteFile;

const std::string kBin = CODI_BIN_DIR;

int Codi(std::vector<std::string> args, std::string* out, std::string* err) {
  args.insert(args.begin(), kBin + "/codi");
  return RunToCompletion(args, 180, out, err);
}

// The test's own normalisation (docs/data.md): lower case, ASCII punctuation
// and whitespace runs as one space.
std::string Normalise(const std::string& text) {
  std::string out;
  bool space = false;
  for (unsigned char c : text) {
    if (c < 0x80 && (std::isspace(c) || std::ispunct(c) || std::iscntrl(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c < 0x80 ? static_cast<char>(std::tolower(c)) : static_cast<char>(c));
  }
  return out;
}

std::set<std::string> Shingles(const std::string& normalised) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start < normalised.size()) {
    size_t end = normalised.find(' ', start);
    if (end == std::string::npos) end = normalised.size();
    words.push_back(normalised.substr(start, end - start));
    start = end + 1;
  }
  std::set<std::string> shingles;
  const size_t k = std::min<size_t>(3, words.size());
  for (size_t i = 0; k > 0 && i + k <= words.size(); ++i) {
    std::string s = words[i];
    for (size_t j = 1; j < k; ++j) s += " " + words[i + j];
    shingles.insert(s);
  }
  return shingles;
}

double Jaccard(const std::set<std::string>& a, const std::set<std::string>& b) {
  if (a.empty() && b.empty()) return 1;
  size_t common = 0;
  for (const auto& s : a) common += b.count(s);
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

struct Exported {
  std::vector<std::string> keys;            // in file order
  std::map<std::string, std::string> text;  // key -> normalised generated turns
};

Exported ReadShards(const std::string& dir) {
  Exported e;
  for (const auto& line : ReadLines(dir + "/dedup-00000-of-00001.jsonl")) {
    auto j = nlohmann::json::parse(line);
    const std::string key =
        j["doc_id"].get<std::string>() + "#" + std::to_string(j["sample"].get<int>());
    std::string text;
    for (const auto& t : j["turns"]) {
      if (!t.contains("link")) continue;  // the CONTEXT turn
      text += t["role"].get<std::string>() + ": " + t["text"].get<std::string>() + "\n";
    }
    e.keys.push_back(key);
    e.text[key] = Normalise(text);
  }
  return e;
}

std::vector<nlohmann::json> ReadDropped(const std::string& dir) {
  std::vector<nlohmann::json> out;
  for (const auto& line : ReadLines(dir + "/dropped.ndjson"))
    out.push_back(nlohmann::json::parse(line));
  return out;
}

constexpr char kSentence[] = "Lena Varga founded the Tamsin Bridge Company in 1984.";

TEST(Dedup, ExportDropsPlantedDuplicatesInEachModeAndTheReportCountsThem) {
  TempDir dir;
  ChildProcess sim;
  ASSERT_TRUE(sim.Start({kBin + "/codi-teacher-sim", "--listen", "127.0.0.1:0"},
                        dir.File("sim.out"), dir.File("sim.err")));
  const std::string address = sim.WaitForListenAddress(20);
  ASSERT_FALSE(address.empty());
  // a and b hold one and the same short sentence; c a longer passage.
  WriteFile(dir.File("docs.jsonl"),
            std::string("{\"id\":\"a\",\"text\":\"") + kSentence + "\"}\n" +
                "{\"id\":\"b\",\"text\":\"" + kSentence + "\"}\n" +
                "{\"id\":\"c\",\"text\":\"The river Tam rises in the hills above Ostrava. It "
                "flows north for 120 kilometres. The town of Brill lies on its east bank. "
                "About 4,000 people live in Brill. Its market is held on Saturdays.\"}\n");
  WriteFile(dir.File("job.yaml"),
            "name: dedup\nseed: 3\ndocuments: {path: " + dir.File("docs.jsonl") +
                "}\nsamples_per_document: 10\noutput: {shards: 1}\n"
                "graph:\n  start: {ask: 1}\n  length: {n: 2}\n  links:\n"
                "    - {name: ask, role: USER, instruction: Ask a short "
                "question., next: {answer: 1}}\n"
                "    - {name: answer, role: AGENT, instruction: Answer "
                "it., next: {ask: 1}}\n");
  std::string out, err;
  ASSERT_EQ(Codi({"run", dir.File("job.yaml"), "--teacher", "http://" + address + "/v1", "--state",
                  dir.File("state"), "--out", dir.File("run-out"), "--progress", "none"},
                 &out, &err),
            0)
      << out << err;

  // off: all 30 conversations, an empty dropped list.
  ASSERT_EQ(Codi({"export", "dedup", "--state", dir.File("state"), "--out", dir.File("off"),
                  "--dedup", "off"},
                 &out, &err),
            0)
      << err;
  const Exported all = ReadShards(dir.File("off"));
  ASSERT_EQ(all.keys.size(), 30u);
  EXPECT_TRUE(ReadDropped(dir.File("off")).empty());

  // The exact duplicates, computed here: a later conversation whose
  // normalised generated turns equal an earlier one's.
  std::map<std::string, std::string> first_of;  // normalised text -> first key
  std::map<std::string, std::string> expected;  // dropped key -> its original
  for (const auto& key : all.keys) {
    auto [it, inserted] = first_of.emplace(all.text.at(key), key);
    if (!inserted) expected[key] = it->second;
  }
  // One sentence and 20 samples of it: the simulator cannot write 20
  // different conversations about it, so duplicates are planted.
  ASSERT_GT(expected.size(), 0u);

  // exact, the default: exactly those dropped, each naming its original.
  ASSERT_EQ(Codi({"export", "dedup", "--state", dir.File("state"), "--out", dir.File("exact")},
                 &out, &err),
            0)
      << err;
  EXPECT_NE(out.find("dropped " + std::to_string(expected.size()) + " exact and 0 near"),
            std::string::npos)
      << out;
  const Exported exact = ReadShards(dir.File("exact"));
  EXPECT_EQ(exact.keys.size(), all.keys.size() - expected.size());
  std::map<std::string, std::string> dropped;
  for (const auto& d : ReadDropped(dir.File("exact"))) {
    EXPECT_EQ(d["reason"], "exact") << d;
    EXPECT_EQ(d["similarity"], 1.0) << d;
    EXPECT_EQ(d["key"],
              d["doc_id"].get<std::string>() + "#" + std::to_string(d["sample"].get<int>()));
    dropped[d["key"]] = d["duplicate_of"];
  }
  EXPECT_EQ(dropped, expected);
  for (const auto& key : exact.keys) EXPECT_FALSE(expected.contains(key)) << key;
  const std::string card = ReadFile(dir.File("exact/README.md"));
  EXPECT_NE(card.find(std::to_string(exact.keys.size()) + " conversations"), std::string::npos);
  EXPECT_NE(card.find(std::to_string(expected.size()) +
                      " exact and 0 near duplicates dropped, listed in `dropped.ndjson`"),
            std::string::npos)
      << card;
  // codi run exported with the default too.
  EXPECT_EQ(ReadShards(dir.File("run-out")).keys, exact.keys);

  // near at 0.5: the exact ones and more; every near drop is similar to its
  // original, and no two kept conversations are much more similar than that.
  const double threshold = 0.5;
  ASSERT_EQ(Codi({"export", "dedup", "--state", dir.File("state"), "--out", dir.File("near"),
                  "--dedup", "near", "--near-threshold", "0.5"},
                 &out, &err),
            0)
      << err;
  const Exported near = ReadShards(dir.File("near"));
  std::set<std::string> near_dropped;
  for (const auto& d : ReadDropped(dir.File("near"))) {
    const std::string key = d["key"], original = d["duplicate_of"];
    near_dropped.insert(key);
    ASSERT_TRUE(all.text.contains(original)) << d;
    if (d["reason"] == "exact") {
      EXPECT_EQ(all.text.at(key), all.text.at(original)) << d;
    } else {
      EXPECT_EQ(d["reason"], "near") << d;
      EXPECT_GE(d["similarity"].get<double>(), threshold) << d;
      EXPECT_NE(all.text.at(key), all.text.at(original)) << d;
      // The estimate is within a few standard errors of the true value.
      EXPECT_GE(Jaccard(Shingles(all.text.at(key)), Shingles(all.text.at(original))),
                threshold - 0.2)
          << d;
    }
  }
  for (const auto& [key, original] : expected) EXPECT_TRUE(near_dropped.contains(key)) << key;
  EXPECT_EQ(near.keys.size() + near_dropped.size(), all.keys.size());
  for (size_t i = 0; i < near.keys.size(); ++i) {
    for (size_t j = i + 1; j < near.keys.size(); ++j) {
      EXPECT_LT(Jaccard(Shingles(near.text.at(near.keys[i])), Shingles(near.text.at(near.keys[j]))),
                threshold + 0.25)
          << near.keys[i] << " and " << near.keys[j] << " were both kept";
    }
  }

  // The report counts the same exact duplicates, and its signals are there.
  ASSERT_EQ(Codi({"report", "dedup", "--state", dir.File("state"), "--json"}, &out, &err), 0)
      << err;
  auto report = nlohmann::json::parse(out);
  const auto& q = report["quality"];
  EXPECT_EQ(q["duplicates"]["conversations"]["conversations"], 30);
  EXPECT_EQ(q["duplicates"]["conversations"]["exact_duplicates"], expected.size());
  // The simulator answers with spans of the document.
  EXPECT_GE(q["grounding"]["AGENT"]["grounded_share"].get<double>(), 0.9) << q["grounding"];
  EXPECT_EQ(q["lengths_by_link"]["answer"]["count"], 30);
  ASSERT_EQ(q["prefix_cache_by_turn"].size(), 2u);
  for (const auto& c : q["prefix_cache_by_turn"]) {
    EXPECT_EQ(c["turns_with_usage"], 30) << c;  // the worker keeps each turn's usage
    EXPECT_GT(c["prompt_tokens"].get<uint64_t>(), 0u);
  }
  ASSERT_EQ(Codi({"report", "dedup", "--state", dir.File("state")}, &out, &err), 0) << err;
  EXPECT_NE(out.find("grounding AGENT:"), std::string::npos) << out;
  EXPECT_NE(out.find("duplicate conversations: " + std::to_string(expected.size()) + " exact"),
            std::string::npos)
      << out;
}

TEST(Dedup, ExportRefusesBadDedupFlags) {
  TempDir dir;
  std::string out, err;
  EXPECT_EQ(Codi({"export", "j", "--state", dir.path(), "--out", dir.File("o"), "--dedup", "fuzzy"},
                 &out, &err),
            2);
  EXPECT_NE(err.find("--dedup must be off, exact or near"), std::string::npos) << err;
  EXPECT_EQ(Codi({"export", "j", "--state", dir.path(), "--out", dir.File("o"), "--dedup", "near",
                  "--near-threshold", "1.5"},
                 &out, &err),
            2);
  EXPECT_NE(err.find("--near-threshold"), std::string::npos) << err;
  EXPECT_NE(err.find("1.5"), std::string::npos) << err;
  EXPECT_EQ(
      Codi({"export", "j", "--state", dir.path(), "--out", dir.File("o"), "--near-threshold", "x"},
           &out, &err),
      2);
  EXPECT_FALSE(std::filesystem::exists(dir.File("o")));
}

}  // namespace
}  // namespace codi
