// The chat export form and the dataset card.
#include <map>
#include <string>

#include "common/format/conversation_json.h"
#include "common/format/dataset_card.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace codi {
namespace {

const std::map<std::string, std::string> kDefaultRoles = {
    {"CONTEXT", "system"}, {"USER", "user"}, {"AGENT", "assistant"}};

codi::v1::Conversation Sample() {
  codi::v1::Conversation c;
  c.set_job("job");
  c.set_doc_id("doc");
  c.set_sample(2);
  auto add = [&](const std::string& role, const std::string& text, double weight) {
    auto* t = c.add_turns();
    t->set_role(role);
    t->set_text(text);
    t->set_weight(weight);
  };
  add("CONTEXT", "Title\n\nThe document.", 0);
  add("USER", "A question?", 0);
  add("AGENT", "An answer.", 1);
  add("NARRATOR", "Aside.", 0.5);
  add("AGENT", "Unweighted answer.", 0);
  return c;
}

TEST(ConversationToChatLine, MapsRolesAndPutsWeightsOnlyOnAssistantMessages) {
  auto roles = kDefaultRoles;
  roles["NARRATOR"] = "assistant";
  auto line = ConversationToChatLine(Sample(), roles);
  ASSERT_TRUE(line.ok()) << line.status();
  auto j = nlohmann::json::parse(*line);
  ASSERT_EQ(j.size(), 1u);
  const auto& m = j["messages"];
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0], (nlohmann::json{{"role", "system"}, {"content", "Title\n\nThe document."}}));
  EXPECT_EQ(m[1], (nlohmann::json{{"role", "user"}, {"content", "A question?"}}));
  EXPECT_EQ(m[2],
            (nlohmann::json{{"role", "assistant"}, {"content", "An answer."}, {"weight", 1}}));
  EXPECT_EQ(m[3]["weight"], 1);  // 0.5 > 0
  EXPECT_EQ(m[4]["weight"], 0);
}

TEST(ConversationToChatLine, ARoleWithoutAChatRoleIsAnErrorNamingIt) {
  auto line = ConversationToChatLine(Sample(), kDefaultRoles);
  ASSERT_FALSE(line.ok());
  EXPECT_EQ(line.status().message(),
            "role NARRATOR of conversation doc/2 has no chat role; map it under "
            "output.chat_roles");
}

TEST(DatasetCard, HoldsFrontMatterCountsLicenceGraphSpecAndReport) {
  DatasetCardFacts facts;
  facts.job_id = "web-demo";
  facts.spec.set_name("web-demo");
  facts.spec.set_seed(42);
  facts.spec.mutable_teacher()->set_model("big-teacher");
  facts.spec.mutable_teacher()->add_endpoints("http://internal-host:8000/v1");
  auto* link = facts.spec.mutable_graph()->add_links();
  link->set_name("ask");
  link->set_role("USER");
  link->set_instruction("Ask | something\nshort.");
  facts.report = {{"state", "succeeded"},
                  {"conversations", {{"done", 1234}, {"failed", 3}}},
                  {"documents", {{"path", "/data/docs.jsonl"}, {"accepted", 400}, {"skipped", 2}}},
                  {"teacher", {{"calls", 9000}, {"retries", 12}}},
                  {"turns", 7000}};
  facts.format = "chat";
  facts.chat_roles = kDefaultRoles;
  facts.license = "cc-by-sa-4.0";
  facts.codi_version = "9.9.9";
  facts.conversations = 1234;
  facts.files = {"/out/web-demo-00000-of-00002.chat.jsonl",
                 "/out/web-demo-00001-of-00002.chat.jsonl"};
  const std::string card = DatasetCardMarkdown(facts);
  EXPECT_TRUE(card.starts_with("---\nlicense: cc-by-sa-4.0\n")) << card;
  for (const char* expected :
       {"size_categories:\n- 1K<n<10K\n", "path: \"web-demo-*.chat.jsonl\"", "\n---\n\n# web-demo",
        "1234 conversations", "`big-teacher`", "codi 9.9.9", "- seed: 42",
        "- `web-demo-00001-of-00002.chat.jsonl`", "| ask | USER | Ask \\| something short. |",
        "\"name\": \"web-demo\"", "| conversations done | 1234 |", "| conversations failed | 3 |",
        "| documents accepted | 400 |", "| teacher retries | 12 |", "CONTEXT -> system"}) {
    EXPECT_NE(card.find(expected), std::string::npos) << "missing: " << expected << "\n" << card;
  }
  EXPECT_EQ(card.find("internal-host"), std::string::npos) << "endpoints stay out of the card";

  codi::testing::TempDir dir;
  ASSERT_TRUE(WriteDatasetCard(dir.path(), facts).ok());
  EXPECT_EQ(codi::testing::ReadFile(dir.File("README.md")), card);
}

TEST(DatasetCard, SizeCategoriesFollowHuggingFaceBuckets) {
  EXPECT_EQ(SizeCategory(0), "n<1K");
  EXPECT_EQ(SizeCategory(999), "n<1K");
  EXPECT_EQ(SizeCategory(1000), "1K<n<10K");
  EXPECT_EQ(SizeCategory(250000), "100K<n<1M");
  EXPECT_EQ(SizeCategory(5000000000000ULL), "n>1T");
}

}  // namespace
}  // namespace codi
