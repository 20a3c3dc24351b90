// From documents to a trainable export, with the real binaries: web pages
// through `codi import-text` and `codi run` against the simulator into chat
// shards with a dataset card; the job's chat role map, and a role without one
// refused with its name.
#include <algorithm>
#include <filesystem>
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
const std::string kSource = CODI_SOURCE_DIR;

// The simulator on a free port; its address, or "" when it did not start.
std::string StartSim(const TempDir& dir, ChildProcess* sim) {
  if (!sim->Start({kBin + "/codi-teacher-sim", "--listen", "127.0.0.1:0", "--request-log",
                   dir.File("requests.jsonl")},
                  dir.File("sim.out"), dir.File("sim.err"))) {
    return "";
  }
  return sim->WaitForListenAddress(20);
}

int Codi(std::vector<std::string> args, std::string* out, std::string* err,
         double timeout_s = 120) {
  args.insert(args.begin(), kBin + "/codi");
  return RunToCompletion(args, timeout_s, out, err);
}

// Every line of the chat shards in `dir`, parsed.
std::vector<nlohmann::json> ReadChatShards(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().string().ends_with(".chat.jsonl")) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<nlohmann::json> lines;
  for (const auto& file : files) {
    for (const auto& line : ReadLines(file)) {
      auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      EXPECT_FALSE(j.is_discarded()) << file << ": not JSON: " << line;
      if (!j.is_discarded()) lines.push_back(std::move(j));
    }
  }
  return lines;
}

TEST(Data, WebExampleRunsEndToEndFromPagesToAChatExport) {
  TempDir dir;
  ChildProcess sim;
  const std::string address = StartSim(dir, &sim);
  ASSERT_FALSE(address.empty());
  std::string out, err;
  ASSERT_EQ(Codi({"import-text", kSource + "/examples/web/pages", "--out", dir.File("docs.jsonl")},
                 &out, &err),
            0)
      << err;
  EXPECT_EQ(err, "");
  EXPECT_EQ(out, "wrote 11 passages from 4 files to " + dir.File("docs.jsonl") + " (0 skipped)\n");
  std::vector<std::string> passages;
  for (const auto& line : ReadLines(dir.File("docs.jsonl"))) {
    auto doc = nlohmann::json::parse(line);
    EXPECT_LE(doc["text"].get<std::string>().size(), 1500u * 4);
    passages.push_back(doc["text"].get<std::string>());
    const std::string text = doc["text"].get<std::string>();
    for (const char* chrome : {"Main page", "window.analytics", "font-family", "Search"}) {
      EXPECT_EQ(text.find(chrome), std::string::npos) << "page chrome in " << doc["id"];
    }
  }
  ASSERT_EQ(passages.size(), 11u);

  ASSERT_EQ(Codi({"run", kSource + "/examples/web/job.yaml", "--docs", dir.File("docs.jsonl"),
                  "--teacher", "http://" + address + "/v1", "--state", dir.File("state"), "--out",
                  dir.File("out"), "--format", "chat", "--progress", "none"},
                 &out, &err),
            0)
      << err;
  std::vector<nlohmann::json> conversations = ReadChatShards(dir.File("out"));
  ASSERT_EQ(conversations.size(), 22u);  // 11 passages x 2 samples
  for (const auto& c : conversations) {
    ASSERT_EQ(c.size(), 1u) << c;
    const auto& messages = c["messages"];
    ASSERT_GE(messages.size(), 5u) << c;  // the page, then 4 to 6 turns
    ASSERT_LE(messages.size(), 7u) << c;
    EXPECT_EQ(messages[0]["role"], "system");
    EXPECT_FALSE(messages[0].contains("weight"));
    const std::string system = messages[0]["content"].get<std::string>();
    EXPECT_TRUE(std::any_of(passages.begin(), passages.end(), [&](const std::string& p) {
      return system.find(p) != std::string::npos;
    })) << "the system message holds the passage";
    for (size_t i = 1; i < messages.size(); ++i) {
      const std::string role = messages[i]["role"].get<std::string>();
      ASSERT_TRUE(role == "user" || role == "assistant") << messages[i];
      EXPECT_EQ(messages[i].contains("weight"), role == "assistant") << messages[i];
      if (role == "assistant") {
        EXPECT_EQ(messages[i]["weight"], 1);
      }
      EXPECT_FALSE(messages[i]["content"].get<std::string>().empty());
    }
    EXPECT_EQ(messages[1]["role"], "user");
  }
  const std::string card = ReadFile(dir.File("out/README.md"));
  EXPECT_TRUE(card.starts_with("---\nlicense: cc-by-sa-4.0\n")) << card;
  for (const char* expected :
       {"22 conversations", "| conversations done | 22 |", "| documents accepted | 11 |",
        "web-demo-*.chat.jsonl", "| explain | AGENT |", "- seed: 3"}) {
    EXPECT_NE(card.find(expected), std::string::npos) << expected << "\n" << card;
  }
  EXPECT_TRUE(std::filesystem::exists(dir.File("out/report.json")));

  // A local export in another format writes its own card.
  ASSERT_EQ(Codi({"export", "web-demo", "--state", dir.File("state"), "--out", dir.File("jsonl"),
                  "--shards", "1"},
                 &out, &err),
            0)
      << err;
  EXPECT_EQ(ReadLines(dir.File("jsonl/web-demo-00000-of-00001.jsonl")).size(), 22u);
  EXPECT_NE(ReadFile(dir.File("jsonl/README.md")).find("path: \"web-demo-*.jsonl\""),
            std::string::npos);
}

std::string RolesJobYaml(const std::string& docs, const std::string& output) {
  return R"(name: roles
seed: 2
documents: {path: )" +
         docs + R"(, limit: 3}
roles:
  - {name: AGENT, weight: 0}
  - {name: NARRATOR, weight: 0.5}
graph:
  start: {ask: 1}
  length: {n: 3}
  links:
    - {name: ask, role: USER, instruction: Ask a short question., next: {answer: 1}}
    - {name: answer, role: AGENT, instruction: Answer it., next: {narrate: 1}}
    - {name: narrate, role: NARRATOR, instruction: Sum up the exchange., next: {ask: 1}}
)" + output;
}

TEST(Data, ChatExportUsesTheJobsRoleMapAndRefusesAnUnmappedRole) {
  TempDir dir;
  ChildProcess sim;
  const std::string address = StartSim(dir, &sim);
  ASSERT_FALSE(address.empty());
  const std::string docs = kSource + "/examples/qa/docs.jsonl";
  const std::string teacher = "http://" + address + "/v1";
  std::string out, err;

  // NARRATOR has no chat role: codi run --format chat refuses before any work.
  WriteFile(dir.File("unmapped.yaml"), RolesJobYaml(docs, ""));
  EXPECT_EQ(Codi({"run", dir.File("unmapped.yaml"), "--teacher", teacher, "--state",
                  dir.File("state-unmapped"), "--out", dir.File("out-unmapped"), "--format", "chat",
                  "--progress", "none"},
                 &out, &err),
            2);
  EXPECT_NE(err.find("role NARRATOR has no chat role"), std::string::npos) << err;
  EXPECT_TRUE(ReadLines(dir.File("requests.jsonl")).empty()) << "no teacher call was made";
  // Run as JSONL, then exporting it as chat is refused the same way, no shard written.
  ASSERT_EQ(
      Codi({"run", dir.File("unmapped.yaml"), "--teacher", teacher, "--state",
            dir.File("state-unmapped"), "--out", dir.File("out-unmapped"), "--progress", "none"},
           &out, &err),
      0)
      << err;
  EXPECT_EQ(Codi({"export", "roles", "--state", dir.File("state-unmapped"), "--out",
                  dir.File("chat-unmapped"), "--format", "chat"},
                 &out, &err),
            2);
  EXPECT_NE(err.find("role NARRATOR has no chat role"), std::string::npos) << err;
  EXPECT_TRUE(ReadChatShards(dir.File("out-unmapped")).empty());

  // Mapped: NARRATOR (weight 0.5) is an assistant message of weight 1, AGENT
  // (weight 0 here) one of weight 0, USER a user message.
  WriteFile(dir.File("mapped.yaml"),
            RolesJobYaml(docs, "output: {chat_roles: {NARRATOR: assistant}, shards: 1}\n"));
  ASSERT_EQ(Codi({"run", dir.File("mapped.yaml"), "--teacher", teacher, "--state",
                  dir.File("state-mapped"), "--out", dir.File("out-mapped"), "--format", "chat",
                  "--progress", "none"},
                 &out, &err),
            0)
      << err;
  std::vector<nlohmann::json> conversations = ReadChatShards(dir.File("out-mapped"));
  ASSERT_EQ(conversations.size(), 3u);
  for (const auto& c : conversations) {
    const auto& m = c["messages"];
    ASSERT_EQ(m.size(), 4u) << c;
    EXPECT_EQ(m[0]["role"], "system");
    EXPECT_EQ(m[1]["role"], "user");
    EXPECT_FALSE(m[1].contains("weight"));
    EXPECT_EQ(m[2]["role"], "assistant");  // AGENT
    EXPECT_EQ(m[2]["weight"], 0);
    EXPECT_EQ(m[3]["role"], "assistant");  // NARRATOR
    EXPECT_EQ(m[3]["weight"], 1);
  }
  const std::string card = ReadFile(dir.File("out-mapped/README.md"));
  EXPECT_NE(card.find("license: unknown"), std::string::npos);
  EXPECT_NE(card.find("NARRATOR -> assistant"), std::string::npos) << card;
  EXPECT_NE(card.find("| conversations done | 3 |"), std::string::npos) << card;
}

TEST(Data, ImportTextWarnsAboutBadInputAndStillExitsZero) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("in"));
  WriteFile(dir.File("in/good.txt"), "A good paragraph.\n");
  WriteFile(dir.File("in/bad.jsonl"), "{\"id\": \"x\", \"text\": \"ok\"}\n{broken\n");
  WriteFile(dir.File("in/latin1.txt"), "caf\xe9\n");
  std::string out, err;
  ASSERT_EQ(
      Codi({"import-text", dir.File("in"), dir.File("missing.md"), "--out", dir.File("docs.jsonl")},
           &out, &err),
      0)
      << err;
  EXPECT_EQ(out, "wrote 2 passages from 3 files to " + dir.File("docs.jsonl") + " (3 skipped)\n");
  EXPECT_NE(err.find(dir.File("in/bad.jsonl") + ":2: invalid JSON"), std::string::npos) << err;
  EXPECT_NE(err.find(dir.File("in/latin1.txt") + ":1: not valid UTF-8"), std::string::npos) << err;
  EXPECT_NE(err.find(dir.File("missing.md") + ": no such file"), std::string::npos) << err;
  EXPECT_EQ(Codi({"import-text", dir.File("in")}, &out, &err), 2);
  EXPECT_NE(err.find("--out DOCS.jsonl"), std::string::npos) << err;
  EXPECT_EQ(Codi({"import-text", "--help"}, &out, &err), 0);
  EXPECT_NE(out.find("--chunk-chars"), std::string::npos) << out;
}

}  // namespace
}  // namespace codi
