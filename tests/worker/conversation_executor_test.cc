#include "worker/conversation_executor.h"

#include <deque>
#include <fstream>

#include "common/base/mutex.h"
#include "common/spec/job_defaults.h"
#include "coordinator/job_coordinator.h"
#include "gtest/gtest.h"
#include "tests/support/job_specs.h"
#include "tests/support/memory_store.h"
#include "tests/support/temp_dir.h"

namespace codi {
namespace {

using codi::testing::TempDir;

// Replies from a script, then a numbered default; records every request.
class ScriptedTeacher : public TeacherClient {
 public:
  explicit ScriptedTeacher(std::deque<absl::StatusOr<CompletionResult>> script)
      : script_(std::move(script)) {}

  absl::StatusOr<CompletionResult> Complete(const CompletionRequest& request,
                                            uint32_t* attempts_out) override {
    MutexLock lock(&mu_);
    requests_.push_back(request);
    if (attempts_out != nullptr) *attempts_out = 1;
    if (!script_.empty()) {
      auto next = script_.front();
      script_.pop_front();
      return next;
    }
    CompletionResult r;
    r.text = "reply " + std::to_string(requests_.size());
    r.finish_reason = "stop";
    r.prompt_tokens = 100;
    r.completion_tokens = 5;
    return r;
  }

  std::vector<CompletionRequest> requests() {
    MutexLock lock(&mu_);
    return requests_;
  }

 private:
  Mutex mu_;
  std::deque<absl::StatusOr<CompletionResult>> script_ ABSL_GUARDED_BY(mu_);
  std::vector<CompletionRequest> requests_ ABSL_GUARDED_BY(mu_);
};

CompletionResult Reply(const std::string& text, const std::string& finish = "stop") {
  CompletionResult r;
  r.text = text;
  r.finish_reason = finish;
  return r;
}

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.File("docs.jsonl")) << R"({"id": "d", "text": "Alpha is first."})"
                                           << "\n";
    kv_ = NewMemoryStore(StateStore::Tables());
    store_ = std::make_unique<StateStore>(kv_.get(), false);
    coordinator_ = *JobCoordinator::Create(store_.get(), {});
    spec_ = WithDefaults(testing::AskAnswerJob("exec", /*length=*/2));
    ASSERT_TRUE(coordinator_->SubmitJob(spec_, dir_.File("docs.jsonl"), "exec").ok());
  }

  ExecutionOutcome Run(std::shared_ptr<ScriptedTeacher> teacher) {
    auto ctx = JobContext::Create("exec", spec_, teacher);
    EXPECT_TRUE(ctx.ok());
    codi::v1::LeaseRequest request;
    request.set_max_conversations(1);
    auto leases = coordinator_->Lease(request);
    EXPECT_TRUE(leases.ok() && leases->leases_size() == 1);
    std::atomic<bool> stop{false};
    return ExecuteConversation(**ctx, leases->leases(0), *coordinator_, stop, nullptr);
  }

  TempDir dir_;
  std::unique_ptr<KvStore> kv_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<JobCoordinator> coordinator_;
  codi::v1::JobSpec spec_;
};

TEST_F(ExecutorTest, RegeneratesRejectedRepliesWithANewSeedAndCountsTheReasons) {
  auto teacher = std::make_shared<ScriptedTeacher>(std::deque<absl::StatusOr<CompletionResult>>{
      Reply("As an AI language model, I cannot do that."), Reply(""), Reply("Which is first?"),
      Reply("Alpha", "length"), Reply("Alpha")});
  EXPECT_EQ(Run(teacher), ExecutionOutcome::kFinished);
  auto requests = teacher->requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_NE(requests[0].seed, requests[1].seed);  // a new sampling seed per attempt
  EXPECT_NE(requests[1].seed, requests[2].seed);
  EXPECT_EQ(requests[0].messages[1].content, requests[1].messages[1].content);  // the same prompt
  EXPECT_EQ(requests[0].request_id, "exec/d/0/0/0");
  EXPECT_EQ(requests[2].request_id, "exec/d/0/0/2");
  int results = 0;
  ASSERT_TRUE(store_
                  ->ScanResults("exec",
                                [&](const codi::v1::Conversation& c) {
                                  ++results;
                                  EXPECT_EQ(c.turns(1).text(), "Which is first?");
                                  EXPECT_EQ(c.turns(1).regenerations(), 2u);
                                  EXPECT_EQ(c.turns(2).text(), "Alpha");
                                  EXPECT_EQ(c.usage().regenerations(), 3u);
                                  EXPECT_EQ(c.usage().regeneration_reasons().at("refusal"), 1u);
                                  EXPECT_EQ(c.usage().regeneration_reasons().at("empty"), 1u);
                                  EXPECT_EQ(c.usage().regeneration_reasons().at("truncated"), 1u);
                                  EXPECT_EQ(c.usage().calls(), 5u);
                                  return true;
                                })
                  .ok());
  EXPECT_EQ(results, 1);
}

TEST_F(ExecutorTest, FailsTheConversationWithTheReasonWhenEveryAttemptIsRejected) {
  std::deque<absl::StatusOr<CompletionResult>> refusals;
  for (int i = 0; i < 4; ++i) refusals.push_back(Reply("I'm sorry, but I can't help with that."));
  EXPECT_EQ(Run(std::make_shared<ScriptedTeacher>(refusals)), ExecutionOutcome::kFailed);
  auto record = store_->GetConversation({"exec", "d", 0});
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((*record)->state(), codi::v1::CONVERSATION_STATE_FAILED);
  EXPECT_EQ((*record)->failure_reason(), "validation:refusal");
}

TEST_F(ExecutorTest, FailsTheConversationOnAFinalTeacherError) {
  // The reason is the typed code the client attaches, not the message's text.
  auto teacher = std::make_shared<ScriptedTeacher>(
      std::deque<absl::StatusOr<CompletionResult>>{WithTeacherFailureReason(
          absl::InvalidArgumentError("bad request: no such model"), "http_400")});
  EXPECT_EQ(Run(teacher), ExecutionOutcome::kFailed);
  auto record = store_->GetConversation({"exec", "d", 0});
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((*record)->failure_reason(), "teacher:http_400");
  EXPECT_EQ((*record)->failure_detail(), "bad request: no such model");
}

TEST_F(ExecutorTest, NamesAnUntypedTeacherErrorByItsStatusCode) {
  auto teacher = std::make_shared<ScriptedTeacher>(std::deque<absl::StatusOr<CompletionResult>>{
      absl::InvalidArgumentError("http_400: looks like a code but is only text")});
  EXPECT_EQ(Run(teacher), ExecutionOutcome::kFailed);
  auto record = store_->GetConversation({"exec", "d", 0});
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((*record)->failure_reason(), "teacher:INVALID_ARGUMENT");
}

}  // namespace
}  // namespace codi
