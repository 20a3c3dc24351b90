#include "coordinator/job_coordinator.h"

#include <fstream>

#include "common/spec/job_defaults.h"
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

// A controllable clock for lease expiry.
struct FakeClock {
  absl::Time now = absl::FromUnixSeconds(1700000000);
};

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

  std::unique_ptr<JobCoordinator> Make() {
    CoordinatorOptions options;
    options.lease_ttl = absl::Seconds(30);
    options.recovered_lease_grace = absl::Seconds(30);
    options.now = [this] { return clock_.now; };
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
  FakeClock clock_;
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

TEST_F(JobCoordinatorTest, RefusesAReportUnderASupersededLeaseAndChangesNothing) {
  auto c = Make();
  ASSERT_TRUE(c->SubmitJob(Spec(1), dir_.File("docs.jsonl"), "job").ok());
  codi::v1::Lease old_lease = LeaseOne(*c);
  ASSERT_TRUE(c->ReportTurn(Report(old_lease, 0)).ok());
  clock_.now += absl::Seconds(31);           // the lease expires...
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
  clock_.now += absl::Seconds(31);
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

}  // namespace
}  // namespace codi
