// StateStore: group commit and the finished-conversation layout.
#include "coordinator/state_store.h"

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/spec/job_defaults.h"
#include "common/storage/key_codec.h"
#include "gtest/gtest.h"
#include "tests/support/job_specs.h"
#include "tests/support/memory_store.h"

namespace codi {
namespace {

codi::v1::ConversationRecord Record(uint32_t turns_done) {
  codi::v1::ConversationRecord r;
  r.set_state(codi::v1::CONVERSATION_STATE_LEASED);
  r.set_turns_done(turns_done);
  return r;
}

// Job "job": ask, answer, two turns.
codi::v1::JobRecord AskAnswerJobRecord() {
  codi::v1::JobRecord job;
  job.set_job_id("job");
  *job.mutable_spec() = WithDefaults(testing::AskAnswerJob("job", /*length=*/2));
  return job;
}

// Every conversation ScanResults gives for job "job", in order.
absl::Status ExportAll(const StateStore& store, std::vector<codi::v1::Conversation>* out) {
  return store.ScanResults("job", [&](const codi::v1::Conversation& c) {
    out->push_back(c);
    return true;
  });
}

TEST(StateStoreTest, ConcurrentCommitsAreAllDurableAndShareWrites) {
  FailingStore kv(StateStore::Tables());
  StateStore store(&kv, false);
  std::vector<std::string> seen_ops;
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        WriteBatch batch;
        const ConversationId id{"job", "doc" + std::to_string(t), static_cast<uint32_t>(i)};
        codi::v1::Turn turn;
        turn.set_text("t");
        store.AddTurn(batch, id, 0, turn);
        store.AddConversation(batch, id, Record(1));
        if (!store.Commit(std::move(batch), "report").ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(kv.writes.load(), kThreads * kEach);  // never more writes than commits
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kEach; ++i) {
      const ConversationId id{"job", "doc" + std::to_string(t), static_cast<uint32_t>(i)};
      auto rec = store.GetConversation(id);
      ASSERT_TRUE(rec.ok() && rec->has_value()) << t << "/" << i;
      EXPECT_EQ((*rec)->turns_done(), 1u);
      EXPECT_TRUE(store.GetTurns(id, 1).ok());
    }
  }
}

TEST(StateStoreTest, ARefusedWriteFailsItsCallersAndIsReportedToTheObserver) {
  FailingStore kv(StateStore::Tables());
  StateStore store(&kv, false);
  std::vector<std::pair<std::string, bool>> observed;
  store.set_status_observer([&](std::string_view op, const absl::Status& s) {
    observed.emplace_back(std::string(op), s.ok());
  });
  kv.fail_writes.store(true);
  WriteBatch batch;
  store.AddConversation(batch, {"job", "d", 0}, Record(0));
  absl::Status refused = store.Commit(std::move(batch), "lease");
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(store.GetConversation({"job", "d", 0})->has_value());
  kv.fail_writes.store(false);
  EXPECT_TRUE(store.Probe().ok());
  EXPECT_EQ(observed,
            (std::vector<std::pair<std::string, bool>>{{"lease", false}, {"probe", true}}));
  EXPECT_TRUE(store
                  .ScanJobs([](const codi::v1::JobRecord&) {
                    ADD_FAILURE() << "the probe left a job row";
                    return true;
                  })
                  .ok());
}

TEST(StateStoreTest, ExportAssemblesDoneConversationsAndReadsOlderResultRows) {
  auto kv = NewMemoryStore(StateStore::Tables());
  StateStore store(kv.get(), false);
  ASSERT_TRUE(store.PutJob(AskAnswerJobRecord()).ok());
  codi::v1::Document doc;
  doc.set_id("d");
  doc.set_title("Title");
  doc.set_text("Body.");
  WriteBatch batch;
  store.AddDocument(batch, "job", doc);
  codi::v1::ConversationRecord done = Record(2);
  done.set_state(codi::v1::CONVERSATION_STATE_DONE);
  done.add_graph("ask");
  done.add_graph("answer");
  for (uint32_t i = 0; i < 2; ++i) {
    codi::v1::Turn turn;
    turn.set_role(i == 0 ? "USER" : "AGENT");
    turn.set_text("turn " + std::to_string(i));
    store.AddTurn(batch, {"job", "d", 0}, i, turn);
  }
  store.AddConversation(batch, {"job", "d", 0}, done);
  store.AddConversation(batch, {"job", "d", 1}, Record(1));  // not finished: not exported
  // Written by an older coordinator: a results row, no turns.
  codi::v1::ConversationRecord old_done = done;
  store.AddConversation(batch, {"job", "e", 0}, old_done);
  codi::v1::Conversation old_result;
  old_result.set_job("job");
  old_result.set_doc_id("e");
  old_result.add_turns()->set_text("from the results table");
  batch.Put("results", KeyEncoder().String("job").String("e").U32(0).data(),
            old_result.SerializeAsString());
  ASSERT_TRUE(store.Commit(std::move(batch), "test").ok());

  std::vector<codi::v1::Conversation> exported;
  ASSERT_TRUE(ExportAll(store, &exported).ok());
  ASSERT_EQ(exported.size(), 2u);
  EXPECT_EQ(exported[0].doc_id(), "d");
  ASSERT_EQ(exported[0].turns_size(), 3);
  EXPECT_EQ(exported[0].turns(0).role(), "CONTEXT");
  EXPECT_EQ(exported[0].turns(0).text(), "Title\n\nBody.");
  EXPECT_EQ(exported[0].turns(2).text(), "turn 1");
  EXPECT_EQ(exported[0].turns(2).weight(), 1.0);  // AGENT
  EXPECT_EQ(exported[1].doc_id(), "e");
  EXPECT_EQ(exported[1].turns(0).text(), "from the results table");
}

TEST(StateStoreTest, ExportReadsTurnsInChunksAcrossManyConversations) {
  auto kv = NewMemoryStore(StateStore::Tables());
  StateStore store(kv.get(), false);
  ASSERT_TRUE(store.PutJob(AskAnswerJobRecord()).ok());
  // 1,300 conversations over 13 documents (more than two chunks): every
  // seventh unfinished with a turn checkpointed, every fifth finished with
  // a stale third turn (a retried attempt's) beyond its two.
  WriteBatch batch;
  int expected = 0;
  for (int d = 0; d < 13; ++d) {
    codi::v1::Document doc;
    doc.set_id("doc" + std::to_string(d));
    doc.set_title("T" + std::to_string(d));
    doc.set_text("Body.");
    store.AddDocument(batch, "job", doc);
    for (uint32_t sample = 0; sample < 100; ++sample) {
      const ConversationId id{"job", doc.id(), sample};
      const int n = d * 100 + static_cast<int>(sample);
      const bool finished = n % 7 != 0;
      const uint32_t stored_turns = finished ? (n % 5 == 0 ? 3 : 2) : 1;
      for (uint32_t i = 0; i < stored_turns; ++i) {
        codi::v1::Turn turn;
        turn.set_role(i % 2 == 0 ? "USER" : "AGENT");
        turn.set_text(absl::StrCat("c", n, " t", i));
        store.AddTurn(batch, id, i, turn);
      }
      codi::v1::ConversationRecord rec = Record(finished ? 2 : 1);
      if (finished) {
        rec.set_state(codi::v1::CONVERSATION_STATE_DONE);
        rec.add_graph("ask");
        rec.add_graph("answer");
        ++expected;
      }
      store.AddConversation(batch, id, rec);
    }
  }
  ASSERT_TRUE(store.Commit(std::move(batch), "test").ok());

  std::vector<codi::v1::Conversation> exported;
  ASSERT_TRUE(ExportAll(store, &exported).ok());
  ASSERT_EQ(static_cast<int>(exported.size()), expected);
  for (const auto& c : exported) {
    const int n = std::stoi(c.doc_id().substr(3)) * 100 + static_cast<int>(c.sample());
    ASSERT_NE(n % 7, 0) << c.doc_id() << "/" << c.sample();
    ASSERT_EQ(c.turns_size(), 3) << n;  // CONTEXT and two turns, never the stale third
    EXPECT_EQ(c.turns(0).text(), "T" + c.doc_id().substr(3) + "\n\nBody.");
    EXPECT_EQ(c.turns(1).text(), absl::StrCat("c", n, " t0"));
    EXPECT_EQ(c.turns(2).text(), absl::StrCat("c", n, " t1"));
  }
  // A visitor that stops ends the scan there.
  int seen = 0;
  ASSERT_TRUE(
      store.ScanResults("job", [&](const codi::v1::Conversation&) { return ++seen < 600; }).ok());
  EXPECT_EQ(seen, 600);
}

}  // namespace
}  // namespace codi
