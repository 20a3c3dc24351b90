#include "coordinator/job_coordinator.h"

#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/spec/job_defaults.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/job_specs.h"
#include "tests/support/memory_store.h"
#include "tests/support/temp_dir.h"
#include "worker/worker_runtime.h"

namespace codi {
namespace {

using codi::testing::TempDir;

codi::v1::JobSpec Spec(uint32_t samples) {
  codi::v1::JobSpec spec = testing::AskAnswerJob("unit", /*length=*/4);
  spec.set_seed(1);
  spec.set_samples_per_document(samples);
  return WithDefaults(spec);
}

class JobCoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = NewMemoryStore(StateStore::Tables());
    store_ = std::make_unique<StateStore>(kv_.get(), false);
    std::ofstream docs(dir_.File("docs.jsonl"));
    docs << R"({"id": "a", "text": "Alpha is first."})"
         << "\n"
         << "not json\n"
         << R"({"id": "b", "text": "Beta is second."})"
         << "\n"
         << R"({"id": "a", "text": "A duplicate."})"
         << "\n";
  }

  std::unique_ptr<JobCoordinator> Make(CoordinatorOptions options = {}) {
    options.lease_ttl = absl::Seconds(30);
    options.recovered_lease_grace = absl::Seconds(30);
    options.clock = &clock_;
    auto c = JobCoordinator::Create(store_.get(), options);
    EXPECT_TRUE(c.ok()) << c.status();
    return *std::move(c);
  }

  codi::v1::Lease LeaseOne(JobCoordinator& c) {
    codi::v1::LeaseRequest request;
    request.set_worker_id("w");
    request.set_max_conversations(1);
    auto response = c.Lease(request);
    EXPECT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->leases_size(), 1);
    return response->leases(0);
  }

  static codi::v1::TurnReport Report(const codi::v1::Lease& lease, uint32_t index) {
    codi::v1::TurnReport r;
    *r.mutable_key() = lease.key();
    r.set_epoch(lease.epoch());
    r.set_index(index);
    r.mutable_turn()->set_role(index % 2 == 0 ? "USER" : "AGENT");
    r.mutable_turn()->set_text("turn " + std::to_string(index));
    r.mutable_turn()->set_link(lease.graph(index));
    r.mutable_usage()->set_calls(1);
    return r;
  }

  TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1700000000)};
  std::unique_ptr<KvStore> kv_;
  std::unique_ptr<StateStore> store_;
};

TEST_F(JobCoordinatorTest, LeasesReportsAndFinishesEveryConversationOnce) {
  auto c = Make();
  ASSERT_TRUE(c->SubmitJob(Spec(2), dir_.File("docs.jsonl"), "job").ok());
  int finished = 0;
  for (int i = 0; i < 4; ++i) {
    codi::v1::Lease lease = LeaseOne(*c);
    ASSERT_EQ(lease.graph_size(), 4);
    EXPECT_FALSE(lease.document().text().empty());
    for (uint32_t t = 0; t < 4; ++t) ASSERT_TRUE(c->ReportTurn(Report(lease, t)).ok());
    codi::v1::FinishReport done;
    *done.mutable_key() = lease.key();
    done.set_epoch(lease.epoch());
    ASSERT_TRUE(c->Finish(done).ok());
    ++finished;
  }
  auto progress = c->Progress("job");
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->done, 4u);
  EXPECT_EQ(progress->documents_accepted, 2u);
  EXPECT_EQ(progress->documents_skipped, 2u);  // the bad line and the duplicate id
  EXPECT_EQ(progress->state, codi::v1::JOB_STATE_SUCCEEDED);
  int results = 0;
  ASSERT_TRUE(store_
                  ->ScanResults("job",
                                [&](const codi::v1::Conversation& conv) {
                                  ++results;
                                  EXPECT_EQ(conv.turns_size(), 5);  // CONTEXT + 4
                                  EXPECT_EQ(conv.turns(0).role(), "CONTEXT");
                                  EXPECT_EQ(conv.turns(2).weight(), 1.0);  // AGENT
                                  EXPECT_EQ(conv.turns(1).weight(), 0.0);  // USER
                                  return true;
                                })
                  .ok());
  EXPECT_EQ(results, 4);
}

TEST_F(JobCoordinatorTest, ABatchOfReportsIsWrittenOnceAndAnsweredReportByReport) {
  auto c = Make();
  ASSERT_TRUE(c->SubmitJob(Spec(2), dir_.File("docs.jsonl"), "job").ok());
  codi::v1::Lease a = LeaseOne(*c);
  codi::v1::Lease b = LeaseOne(*c);
  ASSERT_TRUE(c->ReportTurn(Report(b, 0)).ok());
  codi::v1::ReportBatch batch;
  *batch.add_turns() = Report(a, 0);
  *batch.add_turns() = Report(a, 0);  // the same report twice: ordered after the first
  *batch.add_turns() = Report(b, 3);  // out of order
  *batch.add_turns() = Report(b, 0);  // a retry of a durable report
  codi::v1::TurnReport stale = Report(b, 1);
  stale.set_epoch(b.epoch() + 7);
  *batch.add_turns() = stale;
  codi::v1::FinishReport early;  // b has 1 of 4 turns
  *early.mutable_key() = b.key();
  early.set_epoch(b.epoch());
  *batch.add_finishes() = early;
  std::vector<absl::Status> answers = c->Report(batch);
  ASSERT_EQ(answers.size(), 6u);
  EXPECT_TRUE(answers[0].ok()) << answers[0];
  EXPECT_EQ(answers[1].code(), absl::StatusCode::kUnavailable) << answers[1];
  EXPECT_EQ(answers[2].code(), absl::StatusCode::kInvalidArgument) << answers[2];
  EXPECT_TRUE(answers[3].ok()) << answers[3];
  EXPECT_EQ(answers[4].code(), absl::StatusCode::kFailedPrecondition) << answers[4];
  EXPECT_EQ(answers[5].code(), absl::StatusCode::kInvalidArgument) << answers[5];
  auto progress = c->Progress("job");
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->turns, 2u);  // a's first turn, b's first turn: each once
  // The unavailable one, retried, is a durable duplicate; the next turn goes on.
  EXPECT_TRUE(c->ReportTurn(Report(a, 0)).ok());
  EXPECT_TRUE(c->ReportTurn(Report(a, 1)).ok());
  ConversationId id{"job", a.key().doc_id(), a.key().sample()};
  auto turns = store_->GetTurns(id, 2);
  ASSERT_TRUE(turns.ok()) << turns.status();
  EXPECT_EQ((*turns)[1].text(), "turn 1");
}

// Records the observer's calls: one per job and report batch, with counts.
class CountingObserver : public CoordinatorObserver {
 public:
  void TurnsCheckpointed(const std::string& job, size_t n) override {
    calls.push_back(absl::StrCat("turns ", job, " ", n));
  }
  void ConversationsFinished(const std::string& job, size_t done, size_t failed) override {
    calls.push_back(absl::StrCat("finished ", job, " ", done, " ", failed));
  }
  std::vector<std::string> calls;
};

TEST_F(JobCoordinatorTest, TheObserverHearsOnceAJobPerReportBatchWithItsCounts) {
  CountingObserver observer;
  CoordinatorOptions options;
  options.observer = &observer;
  auto c = Make(options);
  ASSERT_TRUE(c->SubmitJob(Spec(2), dir_.File("docs.jsonl"), "job").ok());
  codi::v1::Lease a = LeaseOne(*c);
  codi::v1::Lease b = LeaseOne(*c);
  codi::v1::Lease d = LeaseOne(*c);
  codi::v1::Lease e = LeaseOne(*c);
  for (uint32_t t = 0; t < 3; ++t) ASSERT_TRUE(c->ReportTurn(Report(a, t)).ok());
  observer.calls.clear();
  codi::v1::ReportBatch batch;
  *batch.add_turns() = Report(a, 3);
  *batch.add_turns() = Report(b, 0);
  *batch.add_turns() = Report(d, 0);
  *batch.add_turns() = Report(e, 2);  // out of order: refused, not counted
  codi::v1::FinishReport failed;
  *failed.mutable_key() = e.key();
  failed.set_epoch(e.epoch());
  failed.set_failed(true);
  failed.set_reason("test");
  *batch.add_finishes() = failed;
  std::vector<absl::Status> answers = c->Report(batch);
  ASSERT_EQ(answers.size(), 5u);
  for (int i : {0, 1, 2, 4}) EXPECT_TRUE(answers[i].ok()) << answers[i];
  EXPECT_EQ(answers[3].code(), absl::StatusCode::kInvalidArgument) << answers[3];
  EXPECT_THAT(observer.calls, ::testing::ElementsAre("turns job 3", "finished job 0 1"));
  observer.calls.clear();
  codi::v1::FinishReport done;
  *done.mutable_key() = a.key();
  done.set_epoch(a.epoch());
  ASSERT_TRUE(c->Finish(done).ok());
  EXPECT_THAT(observer.calls, ::testing::ElementsAre("finished job 1 0"));
}

TEST_F(JobCoordinatorTest, RefusesAReportUnderASupersededLeaseAndChangesNothing) {
  auto c = Make();
  ASSERT_TRUE(c->SubmitJob(Spec(1), dir_.File("docs.jsonl"), "job").ok());
  codi::v1::Lease old_lease = LeaseOne(*c);
  ASSERT_TRUE(c->ReportTurn(Report(old_lease, 0)).ok());
  clock_.Advance(absl::Seconds(31));         // the lease expires...
  codi::v1::Lease new_lease = LeaseOne(*c);  // ...and moves on
  ASSERT_EQ(new_lease.key().doc_id(), old_lease.key().doc_id());
  EXPECT_GT(new_lease.epoch(), old_lease.epoch());
  ASSERT_EQ(new_lease.turns_size(), 1);  // continues from the checkpoint

  ConversationId id{"job", old_lease.key().doc_id(), old_lease.key().sample()};
  auto before = store_->GetConversation(id);
  ASSERT_TRUE(before.ok() && before->has_value());
  absl::Status late = c->ReportTurn(Report(old_lease, 1));
  EXPECT_EQ(late.code(), absl::StatusCode::kFailedPrecondition) << late;
  codi::v1::FinishReport late_finish;
  *late_finish.mutable_key() = old_lease.key();
  late_finish.set_epoch(old_lease.epoch());
  EXPECT_EQ(c->Finish(late_finish).code(), absl::StatusCode::kFailedPrecondition);
  auto after = store_->GetConversation(id);
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_EQ((*after)->SerializeAsString(), (*before)->SerializeAsString());
  auto turns = store_->GetTurns(id, 1);
  ASSERT_TRUE(turns.ok());
  EXPECT_EQ((*turns)[0].text(), "turn 0");
  // The new holder carries on normally.
  EXPECT_TRUE(c->ReportTurn(Report(new_lease, 1)).ok());
}

TEST_F(JobCoordinatorTest, ResumesFromTheStoreAfterARestart) {
  {
    auto c = Make();
    ASSERT_TRUE(c->SubmitJob(Spec(1), dir_.File("docs.jsonl"), "job").ok());
    codi::v1::Lease lease = LeaseOne(*c);
    ASSERT_TRUE(c->ReportTurn(Report(lease, 0)).ok());
    ASSERT_TRUE(c->ReportTurn(Report(lease, 1)).ok());
  }  // "crash": the coordinator is gone, the store remains
  auto c = Make();
  auto progress = c->Progress("job");
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->leased, 1u);  // held for the recovery grace period
  clock_.Advance(absl::Seconds(31));
  codi::v1::Lease lease = LeaseOne(*c);
  EXPECT_EQ(lease.turns_size(), 2);
  EXPECT_EQ(lease.turns(1).text(), "turn 1");
  // Resubmitting the same spec resumes; a different one is refused.
  EXPECT_TRUE(c->SubmitJob(Spec(1), dir_.File("docs.jsonl"), "job").ok());
  EXPECT_EQ(c->SubmitJob(Spec(3), dir_.File("docs.jsonl"), "job").status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(JobCoordinatorTest, ReleasedAndCancelledLeasesBehave) {
  auto c = Make();
  ASSERT_TRUE(c->SubmitJob(Spec(1), dir_.File("docs.jsonl"), "job").ok());
  codi::v1::Lease lease = LeaseOne(*c);
  codi::v1::ReleaseRequest release;
  *release.add_keys() = lease.key();
  release.add_epochs(lease.epoch());
  ASSERT_TRUE(c->Release(release).ok());
  codi::v1::Lease again = LeaseOne(*c);
  EXPECT_EQ(again.key().doc_id(), lease.key().doc_id());
  EXPECT_GT(again.epoch(), lease.epoch());
  ASSERT_TRUE(c->Cancel("job").ok());
  EXPECT_EQ(c->ReportTurn(Report(again, 0)).code(), absl::StatusCode::kFailedPrecondition);
  codi::v1::LeaseRequest request;
  request.set_max_conversations(4);
  auto response = c->Lease(request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->leases_size(), 0);
  EXPECT_TRUE(response->idle());
}

TEST_F(JobCoordinatorTest, ReadsDocumentsInBoundedBatches) {
  {
    std::ofstream docs(dir_.File("many.jsonl"));
    for (int i = 0; i < 5000; ++i)
      docs << R"({"id": "d)" << i << R"(", "text": "Some text."})"
           << "\n";
  }
  CoordinatorOptions options;
  options.low_watermark = 10;
  options.high_watermark = 40;
  auto c = JobCoordinator::Create(store_.get(), options);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->SubmitJob(Spec(2), dir_.File("many.jsonl"), "big").ok());
  codi::v1::LeaseRequest request;
  request.set_max_conversations(2);
  ASSERT_TRUE((*c)->Lease(request).ok());
  auto progress = (*c)->Progress("big");
  ASSERT_TRUE(progress.ok());
  EXPECT_LE(progress->created, 42u);  // not the whole file
  EXPECT_FALSE(progress->documents_exhausted);
  EXPECT_GT(progress->estimated_total, 5000u);  // extrapolated from the file offset
  EXPECT_LT(progress->estimated_total, 20000u);
}

TEST_F(JobCoordinatorTest, CallerPathsMustLieInsideTheDocumentsRootButUploadsNeedNot) {
  std::filesystem::create_directories(dir_.File("root"));
  std::filesystem::copy_file(dir_.File("docs.jsonl"), dir_.File("root/docs.jsonl"));
  CoordinatorOptions options;
  options.documents_root = dir_.File("root");
  auto c = Make(options);
  auto outside = c->SubmitJob(Spec(1), dir_.File("docs.jsonl"), "outside");
  EXPECT_EQ(outside.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(outside.status().message(), "documents path " + dir_.File("docs.jsonl") +
                                            " is outside --documents-root " + dir_.File("root"));
  codi::v1::JobSpec in_spec = Spec(1);
  in_spec.mutable_documents()->set_path(dir_.File("root/../docs.jsonl"));
  EXPECT_EQ(c->SubmitJob(in_spec, "", "spec").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(c->SubmitJob(Spec(1), dir_.File("root/docs.jsonl"), "inside").ok());
  EXPECT_TRUE(
      c->SubmitJob(Spec(1), dir_.File("docs.jsonl"), "upload", DocumentsOrigin::kUpload).ok());
}

TEST_F(JobCoordinatorTest, SubmitsBeyondMaxRunningJobsOrMaxSpecBytesAreRefused) {
  CoordinatorOptions options;
  options.max_running_jobs = 1;
  options.max_spec_bytes = 4000;
  auto c = Make(options);
  ASSERT_TRUE(c->SubmitJob(Spec(1), dir_.File("docs.jsonl"), "one").ok());
  auto two = c->SubmitJob(Spec(1), dir_.File("docs.jsonl"), "two");
  EXPECT_EQ(two.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(two.status().message().find("the most --max-jobs allows"), std::string::npos);
  EXPECT_TRUE(c->SubmitJob(Spec(1), dir_.File("docs.jsonl"), "one").ok()) << "a resume";
  ASSERT_TRUE(c->Cancel("one").ok());
  EXPECT_TRUE(c->SubmitJob(Spec(1), dir_.File("docs.jsonl"), "two").ok()) << "a slot is free";
  codi::v1::JobSpec big = Spec(1);
  big.mutable_graph()->mutable_links(0)->set_instruction(std::string(5000, 'x'));
  auto refused = c->SubmitJob(big, dir_.File("docs.jsonl"), "big");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("over the limit of 4000 (--max-spec-bytes)"),
            std::string::npos)
      << refused.status();
}

TEST_F(JobCoordinatorTest, SubmitChecksTheSpecAndAppliesDefaultsForEveryCaller) {
  auto c = Make();
  codi::v1::JobSpec bad = Spec(1);
  (*bad.mutable_graph()->mutable_links(0)->mutable_next())["nowhere"] = 1;
  auto refused = c->SubmitJob(bad, dir_.File("docs.jsonl"), "bad");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("spec: "), std::string::npos) << refused.status();
  auto no_docs = c->SubmitJob(Spec(1), "", "nodocs");
  EXPECT_EQ(no_docs.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_docs.status().message().find("no documents"), std::string::npos);
  EXPECT_TRUE(c->JobIds().empty());

  codi::v1::JobSpec bare = Spec(1);
  bare.mutable_output()->clear_shards();
  bare.mutable_teacher()->clear_temperature();
  ASSERT_TRUE(c->SubmitJob(bare, dir_.File("docs.jsonl"), "job").ok());
  codi::v1::JobSpecRequest request;
  request.set_job_id("job");
  auto stored = c->GetJobSpec(request);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->spec().output().shards(), job_defaults::kOutputShards);
  EXPECT_EQ(stored->spec().teacher().temperature(), job_defaults::kTemperature);
}

// A Lease with wait_ms is a long poll: it returns when work appears, not
// after a fixed interval, and at its deadline when none does.
TEST_F(JobCoordinatorTest, AWaitingLeaseWakesWhenALeaseIsReleased) {
  auto c = Make();
  ASSERT_TRUE(c->SubmitJob(Spec(1), dir_.File("docs.jsonl"), "job").ok());
  codi::v1::Lease first = LeaseOne(*c);
  codi::v1::Lease second = LeaseOne(*c);
  absl::StatusOr<codi::v1::LeaseResponse> waited;
  std::thread waiter([&] {
    codi::v1::LeaseRequest request;
    request.set_worker_id("w2");
    request.set_max_conversations(1);
    request.set_wait_ms(60000);
    waited = c->Lease(request);
  });
  while (clock_.waiters() == 0) std::this_thread::yield();
  codi::v1::ReleaseRequest release;
  *release.add_keys() = first.key();
  release.add_epochs(first.epoch());
  ASSERT_TRUE(c->Release(release).ok());
  waiter.join();
  ASSERT_TRUE(waited.ok()) << waited.status();
  ASSERT_EQ(waited->leases_size(), 1);
  EXPECT_EQ(waited->leases(0).key().doc_id(), first.key().doc_id());
  EXPECT_EQ(clock_.Now(), absl::FromUnixSeconds(1700000000));  // no time had to pass
}

TEST_F(JobCoordinatorTest, AWaitingLeaseReturnsEmptyAtItsDeadlineOrWhenWaitsAreCancelled) {
  auto c = Make();
  ASSERT_TRUE(c->SubmitJob(Spec(1), dir_.File("docs.jsonl"), "job").ok());
  LeaseOne(*c);
  LeaseOne(*c);  // both conversations are out; their leases last 30 s
  codi::v1::LeaseRequest request;
  request.set_worker_id("w2");
  request.set_wait_ms(10000);
  absl::StatusOr<codi::v1::LeaseResponse> waited;
  std::thread waiter([&] { waited = c->Lease(request); });
  while (clock_.waiters() == 0) std::this_thread::yield();
  clock_.Advance(absl::Seconds(10));
  waiter.join();
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ(waited->leases_size(), 0);
  EXPECT_FALSE(waited->idle());

  request.set_wait_ms(600000);
  std::thread cancelled([&] { waited = c->Lease(request); });
  while (clock_.waiters() == 0) std::this_thread::yield();
  c->CancelWaits();
  cancelled.join();
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ(waited->leases_size(), 0);
}

TEST_F(JobCoordinatorTest, AWaitingLeaseTakesAConversationWhoseLeaseExpires) {
  auto c = Make();
  ASSERT_TRUE(c->SubmitJob(Spec(1), dir_.File("docs.jsonl"), "job").ok());
  codi::v1::Lease first = LeaseOne(*c);
  LeaseOne(*c);
  codi::v1::LeaseRequest request;
  request.set_worker_id("w2");
  request.set_wait_ms(120000);
  absl::StatusOr<codi::v1::LeaseResponse> waited;
  std::thread waiter([&] { waited = c->Lease(request); });
  while (clock_.waiters() == 0) std::this_thread::yield();
  clock_.Advance(absl::Seconds(31));  // both leases expire while it waits
  waiter.join();
  ASSERT_TRUE(waited.ok());
  ASSERT_EQ(waited->leases_size(), 1);
  EXPECT_GT(waited->leases(0).epoch(), first.epoch());
}

TEST_F(JobCoordinatorTest, AnIdleCoordinatorAnswersAtOnceUnlessAskedToWaitForTheNextJob) {
  auto c = Make();
  codi::v1::LeaseRequest request;
  request.set_wait_ms(600000);
  auto idle = c->Lease(request);  // no job at all: idle, at once
  ASSERT_TRUE(idle.ok());
  EXPECT_TRUE(idle->idle());

  request.set_wait_when_idle(true);
  request.set_max_conversations(1);
  absl::StatusOr<codi::v1::LeaseResponse> waited;
  std::thread waiter([&] { waited = c->Lease(request); });
  while (clock_.waiters() == 0) std::this_thread::yield();
  ASSERT_TRUE(c->SubmitJob(Spec(1), dir_.File("docs.jsonl"), "job").ok());
  waiter.join();
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ(waited->leases_size(), 1);
}

}  // namespace
}  // namespace codi
