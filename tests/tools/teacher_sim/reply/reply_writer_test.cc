#include "tools/teacher_sim/reply/reply_writer.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/tools/teacher_sim/prompt_fixture.h"
#include "tools/teacher_sim/reply/passage.h"
#include "tools/teacher_sim/reply/prompt_parser.h"

namespace codi {
namespace {

using testing::BuildMessages;
using testing::kVancouver;
using testing::PromptSpec;

std::string Reply(const PromptSpec& spec, uint64_t seed) {
  return WriteReply(ParsePrompt(BuildMessages(spec)), seed);
}

bool HasWord(const std::string& text, absl::string_view word) {
  for (const Word& w : SplitWords(text)) {
    if (absl::AsciiStrToLower(w.text) == word) return true;
  }
  return false;
}

TEST(ReplyWriter, GivesTheSameReplyForTheSamePromptAndSeed) {
  PromptSpec user;
  PromptSpec agent;
  agent.role = "AGENT";
  agent.turns = {{"USER", "What is Vancouver?"}};
  for (uint64_t seed : {0u, 1u, 99u}) {
    EXPECT_EQ(Reply(user, seed), Reply(user, seed));
    EXPECT_EQ(Reply(agent, seed), Reply(agent, seed));
  }
}

TEST(ReplyWriter, UsuallyGivesADifferentQuestionForADifferentSeed) {
  PromptSpec spec;
  std::set<std::string> replies;
  for (uint64_t seed = 0; seed < 10; ++seed) replies.insert(Reply(spec, seed));
  EXPECT_GE(replies.size(), 4u);
}

TEST(ReplyWriter, AsksAQuestionGroundedInTheDocument) {
  PromptSpec spec;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    const std::string q = Reply(spec, seed);
    EXPECT_TRUE(absl::EndsWith(q, "?")) << q;
    // The question names a phrase of the document: some word of it that is
    // not a template word occurs in the document.
    bool grounded = false;
    for (const auto& w : ContentWords(q)) {
      grounded = grounded || Passage(kVancouver).BestMatch({w}) >= 0;
    }
    EXPECT_TRUE(grounded) << q;
  }
}

TEST(ReplyWriter, AnswersWithASpanOfTheDocumentThatMatchesTheQuestion) {
  PromptSpec spec;
  spec.role = "AGENT";
  spec.instruction = "Answer the question with a short span from the document.";
  const std::pair<const char*, const char*> cases[] = {
      {"When did the city host the Winter Olympics?", "2010"},
      {"What is the population density of Vancouver?", "5,400"},
      {"How many people did the 2016 census record?", "631,486"},
  };
  for (const auto& [question, must_contain] : cases) {
    spec.turns = {{"USER", question}};
    for (uint64_t seed = 0; seed < 5; ++seed) {
      const std::string a = Reply(spec, seed);
      EXPECT_TRUE(absl::StrContains(kVancouver, a)) << question << " -> " << a;
      // The answer lies in the sentence that holds the fact asked about.
      Passage p(kVancouver);
      bool in_right_sentence = false;
      for (const auto& s : p.sentences()) {
        in_right_sentence = in_right_sentence || (absl::StrContains(s.text, a) &&
                                                  absl::StrContains(s.text, must_contain));
      }
      EXPECT_TRUE(in_right_sentence) << question << " -> " << a;
    }
  }
}

TEST(ReplyWriter, AnswersAWhenQuestionWithTheDate) {
  PromptSpec spec;
  spec.role = "AGENT";
  spec.turns = {{"USER", "When did the city host the Winter Olympics?"}};
  std::set<std::string> answers;
  for (uint64_t seed = 0; seed < 10; ++seed) answers.insert(Reply(spec, seed));
  EXPECT_TRUE(answers.count("in 2010")) << *answers.begin();
}

TEST(ReplyWriter, NeverRepeatsAnEarlierTurn) {
  // A conversation written turn by turn with one seed: codi would reject any
  // repeat, so none may occur.
  PromptSpec spec;
  std::set<std::string> seen;
  for (int turn = 0; turn < 16; ++turn) {
    spec.role = turn % 2 == 0 ? "USER" : "AGENT";
    const std::string reply = Reply(spec, 5);
    ASSERT_FALSE(reply.empty());
    EXPECT_TRUE(seen.insert(RepeatKey(reply)).second) << "turn " << turn << " repeats: " << reply;
    spec.turns.emplace_back(spec.role, reply);
  }
}

TEST(ReplyWriter, WritesADifferentAnswerWhenTheUsualOneWasSaid) {
  PromptSpec spec;
  spec.role = "AGENT";
  spec.turns = {{"USER", "When did the city host the Winter Olympics?"}};
  const std::string first = Reply(spec, 3);
  spec.turns = {{"AGENT", first}, {"USER", "When did the city host the Winter Olympics?"}};
  const std::string second = Reply(spec, 3);
  EXPECT_NE(RepeatKey(first), RepeatKey(second));
}

TEST(ReplyWriter, RefersBackWithAPronounForCoreference) {
  PromptSpec spec;
  spec.turns = {{"USER", "What is Vancouver?"}, {"AGENT", "a major city in western Canada"}};
  spec.phenomena = {{"coreference", "refer back to an earlier entity with a pronoun"}};
  for (uint64_t seed = 0; seed < 5; ++seed) {
    const std::string q = Reply(spec, seed);
    EXPECT_TRUE(HasWord(q, "it") || HasWord(q, "its") || HasWord(q, "they") ||
                HasWord(q, "their") || HasWord(q, "them"))
        << q;
  }
}

TEST(ReplyWriter, OpensWithAConnectiveForADiscourseMarker) {
  PromptSpec spec;
  spec.turns = {{"USER", "What is Vancouver?"}, {"AGENT", "a major city in western Canada"}};
  spec.phenomena = {{"discourse_marker", "begin with a connective such as 'And' or 'What about'"}};
  for (uint64_t seed = 0; seed < 5; ++seed) {
    const std::string q = Reply(spec, seed);
    EXPECT_TRUE(absl::StartsWith(q, "And ") || absl::StartsWith(q, "What about ")) << q;
  }
}

TEST(ReplyWriter, AsksWhatTheLastAnswerMeantForClarification) {
  PromptSpec spec;
  spec.turns = {{"USER", "What is Vancouver?"}, {"AGENT", "a Beta global city"}};
  spec.phenomena = {{"clarification", "ask what a phrase of the last answer means"}};
  const std::string q = Reply(spec, 0);
  EXPECT_TRUE(absl::StrContains(q, "mean by")) << q;
  EXPECT_TRUE(absl::StrContains(q, "Beta") || absl::StrContains(q, "global city")) << q;
}

TEST(ReplyWriter, MovesFarFromTheLastSentenceForATopicSwitch) {
  PromptSpec spec;
  spec.turns = {{"USER", "What is Vancouver?"}, {"AGENT", "a major city in western Canada"}};
  spec.phenomena = {{"topic_switch", "move to a different part of the document"}};
  for (uint64_t seed = 0; seed < 5; ++seed) {
    // The conversation was about the first sentence and its entities.
    const std::string q = Reply(spec, seed);
    EXPECT_FALSE(absl::StrContains(q, "Vancouver") || absl::StrContains(q, "Canada") ||
                 absl::StrContains(q, "British Columbia"))
        << q;
  }
}

TEST(ReplyWriter, AsksAYesNoQuestionWhenTheInstructionSaysSo) {
  PromptSpec spec;
  spec.instruction = "Ask a yes/no question about the document.";
  const std::string q = Reply(spec, 0);
  EXPECT_TRUE(absl::StartsWith(q, "Is it true that ")) << q;
  spec.role = "AGENT";
  spec.turns = {{"USER", q}};
  spec.instruction = "Answer the question.";
  EXPECT_EQ(Reply(spec, 0).substr(0, 3), "Yes");
}

TEST(ReplyWriter, WritesADocumentSentenceForAnotherRole) {
  PromptSpec spec;
  spec.role = "NARRATOR";
  spec.instruction = "Add a remark.";
  const std::string r = Reply(spec, 0);
  Passage p(kVancouver);
  bool is_sentence = false;
  for (const auto& s : p.sentences()) is_sentence = is_sentence || s.text == r;
  EXPECT_TRUE(is_sentence) << r;
}

TEST(ReplyWriter, AnswersSensiblyWithoutCodisLayout) {
  const std::string a = WriteReply(
      ParsePrompt({{"system", kVancouver}, {"user", "When were the Winter Olympics hosted?"}}), 0);
  EXPECT_TRUE(absl::StrContains(kVancouver, a)) << a;
  EXPECT_FALSE(WriteReply(ParsePrompt({{"user", ""}}), 0).empty());
  PromptSpec empty_doc;
  empty_doc.document = "";
  EXPECT_FALSE(Reply(empty_doc, 0).empty());
  empty_doc.role = "AGENT";
  EXPECT_FALSE(Reply(empty_doc, 0).empty());
}

}  // namespace
}  // namespace codi
